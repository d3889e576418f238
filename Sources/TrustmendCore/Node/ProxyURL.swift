/// An HTTP proxy to tunnel through with CONNECT: `http://[user:password@]host[:port]`.
public struct ProxyURL: Sendable, Hashable, CustomStringConvertible {
    public let endpoint: Endpoint
    /// `user:password`, sent as Basic proxy authorization; never logged.
    public let credentials: String?

    public init(parsing text: String) throws(ProxyURLError) {
        var rest = Substring(text)
        if let scheme = rest.firstRange(of: "://") {
            let name = rest[..<scheme.lowerBound].lowercased()
            guard name == "http" else { throw .unsupportedScheme(String(name)) }
            rest = rest[scheme.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var credentials: String?
        if let at = rest.lastIndex(of: "@") {
            credentials = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        do {
            self.endpoint = try Endpoint(parsing: String(rest), defaultPort: 80)
        } catch {
            throw .badEndpoint(error)
        }
        self.credentials = credentials
    }

    public var description: String { "http://\(endpoint.authority)" }
}
