/// An image tied to the host-less failures of one pull: what the daemon traces.
public struct HostlessTie: Sendable, Hashable {
    public var image: String
    /// The lines tied to it, in the order they were seen; never empty.
    public var failures: [HostlessFailure]

    public init(image: String, failures: [HostlessFailure]) {
        self.image = image
        self.failures = failures
    }

    /// The line that speaks for the pull: an engine's own line when one is tied (it says which engine
    /// failed, so whose trust the trace's verdicts are read with), else the first.
    public var lead: HostlessFailure {
        failures.first { $0.engine != .kubelet && $0.unit.flatMap(RegistryEngine.init(unit:)) != nil } ?? failures[0]
    }

    /// The engine whose view of the trace decides which host fails: the lead line's unit when it is one
    /// that reads `certs.d`, else the CRI runtime the kubelet pulls through (`runtime`) when that is one;
    /// nil when neither (then a host fails that no engine's anchors accept).
    public func engine(runtime: String) -> RegistryEngine? {
        let lead = lead
        return EngineUnits.unit(loggedBy: lead.unit, engine: lead.engine, runtime: runtime).flatMap(RegistryEngine.init(unit:))
    }

    /// Every unit that logged a line of it.
    public var units: Set<String> { Set(failures.compactMap(\.unit)) }
}
