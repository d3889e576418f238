/// The host an engine would refuse first while pulling a traced image, and the `trustmend fix` commands
/// that would repair it: the registry route (its CA into `certs.d/<the image's registry>`, which the
/// engine also applies to token and CDN hosts, FACTS §23) and the system route.
public struct TraceFailure: Sendable, Hashable {
    public var engine: RegistryEngine
    public var hop: TraceHop
    public var registry: RegistryHost

    public init(engine: RegistryEngine, hop: TraceHop, registry: RegistryHost) {
        self.engine = engine
        self.hop = hop
        self.registry = registry
    }

    /// `trustmend fix HOST:PORT --registry REGISTRY`: no restart, the engines read it at their next pull.
    public var registryRouteCommand: String {
        "trustmend fix \(hop.endpoint.authority) --registry \(registry.directoryName)"
    }

    /// The system route's command: the distro's bundle, then the engine restarted (Go reads its roots once).
    public var systemRouteCommand: String {
        "trustmend fix \(hop.endpoint.authority) --route system --restart \(engine.rawValue)"
    }

    /// Per engine, in `engines`' order, the first host of `trace` it would refuse; none for an engine
    /// every host verifies for.
    public static func failures(in trace: ImageTrace, engines: [RegistryEngine]) -> [TraceFailure] {
        engines.compactMap { engine in
            trace.firstFailing(for: engine).map { TraceFailure(engine: engine, hop: $0, registry: trace.registry) }
        }
    }
}
