/// One `allow` entry: which hosts may be trusted, on which port, with which anchors.
public struct AllowRule: Sendable, Hashable, CustomStringConvertible {
    public var host: HostPattern
    public var port: UInt16?
    /// Lower-case hex SHA-256 pins of the anchor; empty means any anchor (trust on first use).
    public var sha256: Set<String>
    public var anchor: AnchorChoice?
    /// Overrides the top-level `route` for the hosts of this rule.
    public var route: TrustRoute?
    /// Registries (exact `host[:port]`, as image references write them) whose `certs.d` the registry route
    /// may write for a host of this rule besides the host itself: a token or CDN host serving them.
    public var registries: [RegistryHost]
    public var line: Int

    public init(
        host: HostPattern, port: UInt16? = nil, sha256: Set<String> = [], anchor: AnchorChoice? = nil, route: TrustRoute? = nil,
        registries: [RegistryHost] = [], line: Int = 0
    ) {
        self.host = host
        self.port = port
        self.sha256 = sha256
        self.anchor = anchor
        self.route = route
        self.registries = registries
        self.line = line
    }

    /// The rule as the ledger records it: its host pattern, with `:port` when it has one.
    public var name: String {
        let host = host.pattern.contains(":") ? "[\(host.pattern)]" : host.pattern
        return host + (port.map { ":\($0)" } ?? "")
    }

    public func matches(_ endpoint: Endpoint) -> Bool {
        (port == nil || port == endpoint.port) && host.matches(endpoint.host)
    }

    public var description: String {
        name + (sha256.isEmpty ? "" : " pinned") + (line > 0 ? " (line \(line))" : "")
    }
}
