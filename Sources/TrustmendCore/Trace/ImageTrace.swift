/// The servers an engine meets to pull one image, in the order it meets them, and how their chains fare.
public struct ImageTrace: Sendable, Hashable {
    /// The reference as given (`registry.example:5000/team/app:1.2`).
    public var reference: String
    /// The registry whose `certs.d` the engines consult for every host of this pull, redirects included
    /// (FACTS §23).
    public var registry: RegistryHost
    public var hops: [TraceHop]
    public var end: TraceEnd

    public init(reference: String, registry: RegistryHost, hops: [TraceHop], end: TraceEnd) {
        self.reference = reference
        self.registry = registry
        self.hops = hops
        self.end = end
    }

    /// The first host met whose chain `engine` would refuse (any engine's view when nil): the one the pull
    /// fails at. A host that presented no chain is not counted: its failure is not one an anchor repairs.
    public func firstFailing(for engine: RegistryEngine? = nil) -> TraceHop? {
        hops.first { $0.refused(by: engine) }
    }
}
