/// One request of a trace: which server was asked what, what it answered, the chain it presented and
/// how that chain fares with each set of anchors an engine would use for it.
public struct TraceHop: Sendable, Hashable {
    public var endpoint: Endpoint
    public var role: TraceRole
    /// Method and path as asked, without the query (`GET /v2/team/app/manifests/1.2`): a token request's
    /// query names the scope, never a secret, but a redirect's may carry a signature.
    public var request: String
    /// The HTTP status the server answered; nil when no answer came (connection, handshake, time limit).
    public var status: Int?
    /// The chain the server presented; nil when none arrived.
    public var chain: PeerChain?
    /// Against the bundle the engines read (the distro's system bundle, FACTS §1–3); nil without a chain.
    public var bundle: TraceVerdict?
    /// Against each engine's `certs.d/<registry>` anchors alone, for the engines whose directory for the
    /// image's registry holds any; empty when none does.
    public var registryDirectories: [RegistryEngine: TraceVerdict]
    /// What kept the request from an answer, when something did (a refused connection, a time limit).
    public var problem: String?

    public init(
        endpoint: Endpoint, role: TraceRole, request: String, status: Int? = nil, chain: PeerChain? = nil,
        bundle: TraceVerdict? = nil, registryDirectories: [RegistryEngine: TraceVerdict] = [:], problem: String? = nil
    ) {
        self.endpoint = endpoint
        self.role = role
        self.request = request
        self.status = status
        self.chain = chain
        self.bundle = bundle
        self.registryDirectories = registryDirectories
        self.problem = problem
    }

    /// Whether `engine` would accept this host's chain: the system bundle, or that engine's directory for
    /// the registry (which both engines add to the system roots, FACTS §10–11). Nil when no chain arrived.
    public func trusted(by engine: RegistryEngine) -> Bool? {
        guard let bundle else { return nil }
        return bundle.verifies || registryDirectories[engine]?.verifies == true
    }

    /// Whether the chain verifies against the bundle or any engine's directory: what "this host is not the
    /// one failing" means when the engine is not known. Nil when no chain arrived.
    public var trustedByAny: Bool? {
        guard let bundle else { return nil }
        return bundle.verifies || registryDirectories.values.contains { $0.verifies }
    }

    /// True when `engine` (every engine when nil) would refuse the chain this host presented; false when it
    /// would accept it, or no chain arrived (not a failure an anchor repairs).
    public func refused(by engine: RegistryEngine?) -> Bool {
        (engine.map { trusted(by: $0) } ?? trustedByAny) == false
    }
}
