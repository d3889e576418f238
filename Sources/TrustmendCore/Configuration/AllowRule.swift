/// One `allow` entry: which hosts may be trusted, on which port, with which anchors.
public struct AllowRule: Sendable, Hashable, CustomStringConvertible {
    public var host: HostPattern
    public var port: UInt16?
    /// Lower-case hex SHA-256 pins of the anchor; empty means any anchor (trust on first use).
    public var sha256: Set<String>
    public var anchor: AnchorChoice?
    /// Overrides the top-level `route` for the hosts of this rule.
    public var route: TrustRoute?
    public var line: Int

    public init(
        host: HostPattern, port: UInt16? = nil, sha256: Set<String> = [], anchor: AnchorChoice? = nil, route: TrustRoute? = nil, line: Int = 0
    ) {
        self.host = host
        self.port = port
        self.sha256 = sha256
        self.anchor = anchor
        self.route = route
        self.line = line
    }

    public func matches(_ endpoint: Endpoint) -> Bool {
        (port == nil || port == endpoint.port) && host.matches(endpoint.host)
    }

    public var description: String {
        "\(host)\(port.map { ":\($0)" } ?? "")" + (sha256.isEmpty ? "" : " pinned") + (line > 0 ? " (line \(line))" : "")
    }
}
