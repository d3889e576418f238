/// One request of a trace, as the walk wants it sent: HTTP/1.1, one per connection, no body.
public struct RegistryRequest: Sendable, Hashable {
    public var url: RegistryURL
    public var role: TraceRole
    public var method: String
    /// Header fields besides `Host`, `Connection` and `User-Agent`, which the exchange adds.
    public var headers: [Header]
    /// The most body bytes read; past it the exchange stops reading and marks the body truncated.
    public var bodyLimit: Int

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(url: RegistryURL, role: TraceRole, method: String = "GET", headers: [Header] = [], bodyLimit: Int) {
        self.url = url
        self.role = role
        self.method = method
        self.headers = headers
        self.bodyLimit = bodyLimit
    }

    public var endpoint: Endpoint { url.endpoint }

    /// `GET /v2/`: what a hop shows, without the query.
    public var summary: String { "\(method) \(url.path)" }

    /// The request's bytes. Header values were built by the walk from validated parts; a CR or LF in one
    /// is dropped with its field rather than sent.
    public func encoded(userAgent: String) -> [UInt8] {
        var text = "\(method) \(url.target) HTTP/1.1\r\nHost: \(Self.hostField(url.endpoint))\r\nUser-Agent: \(userAgent)\r\n"
        for header in headers where !(header.name + header.value).utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// The `Host` field: the port left out when it is https's default, as Go's client writes it.
    static func hostField(_ endpoint: Endpoint) -> String {
        let host = endpoint.isIPv6 ? "[\(endpoint.host)]" : endpoint.host
        return endpoint.port == 443 ? host : "\(host):\(endpoint.port)"
    }
}
