/// An https URL a trace may ask: a validated endpoint and a request target (path and query) with
/// nothing in it that could end a request line or start a header.
public struct RegistryURL: Sendable, Hashable, CustomStringConvertible {
    public let endpoint: Endpoint
    /// Path and query, starting with `/`.
    public let target: String

    public init(endpoint: Endpoint, target: String) throws(RegistryURLError) {
        guard target.hasPrefix("/") else { throw .badTarget(target) }
        guard target.utf8.count <= 8192 else { throw .tooLong(target.utf8.count) }
        // Visible ASCII only: a space, CR or LF would split the request line, anything above 0x7E is not URL text.
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .badTarget(target) }
        self.endpoint = endpoint
        self.target = target
    }

    /// The path without the query: what a hop shows (a redirect's query may carry a signature).
    public var path: String { String(target.prefix { $0 != "?" }) }

    public var description: String { "https://\(endpoint.authority)\(path)" }

    /// Reads an absolute URL (a token realm, a `Location`). Only https is followed: over http there is no
    /// chain to judge, and the engines would send the request in the clear (`.insecure`). User
    /// information is refused: the trace sends no credentials, and the engines would.
    public init(absolute text: String) throws(RegistryURLError) {
        guard let schemeEnd = text.firstRange(of: "://") else { throw .notAbsolute(text) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        guard scheme == "https" else {
            if scheme == "http" { throw .insecure(Self.shown(text)) }
            throw .unsupportedScheme(String(scheme.prefix(20)))
        }
        try self.init(authorityAndTarget: rest, original: text)
    }

    private init(authorityAndTarget rest: Substring, original: String) throws(RegistryURLError) {
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw .credentials(Self.shown(original)) }
        let endpoint: Endpoint
        do { endpoint = try Endpoint(parsing: String(authority)) } catch { throw .badHost(String(authority.prefix(80)), error) }
        var target = String(rest[authorityEnd...].prefix { $0 != "#" })
        if target.hasPrefix("?") || target.isEmpty { target = "/" + target }
        try self.init(endpoint: endpoint, target: target)
    }

    /// Resolves a `Location` against the URL it answered (RFC 3986 §5.2): absolute, scheme-relative
    /// (`//host/…`, https), absolute-path (`/…`) and relative (`blob?sig=…`) references.
    public func resolving(_ location: String) throws(RegistryURLError) -> RegistryURL {
        let location = String(Substring(location).trimmingSpaces)
        guard !location.isEmpty else { throw .badTarget(location) }
        if location.contains("://") { return try RegistryURL(absolute: location) }
        if location.hasPrefix("//") { return try RegistryURL(authorityAndTarget: location.dropFirst(2), original: "https:" + location) }
        let withoutFragment = String(location.prefix { $0 != "#" })
        if withoutFragment.hasPrefix("/") { return try RegistryURL(endpoint: endpoint, target: Self.normalised(withoutFragment)) }
        if withoutFragment.hasPrefix("?") { return try RegistryURL(endpoint: endpoint, target: path + withoutFragment) }
        let directory = path.hasSuffix("/") ? path : String(path[...(path.lastIndex(of: "/") ?? path.startIndex)])
        return try RegistryURL(endpoint: endpoint, target: Self.normalised(directory + withoutFragment))
    }

    /// Removes `.` and `..` segments of the path (RFC 3986 §5.2.4), leaving the query as it is.
    static func normalised(_ target: String) -> String {
        let query = target.firstIndex(of: "?").map { String(target[$0...]) } ?? ""
        let path = target.prefix { $0 != "?" }
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            if segment == "." {
                if isLast { out.append("") }
            } else if segment == ".." {
                if !out.isEmpty { out.removeLast() }
                if isLast { out.append("") }
            } else {
                out.append(segment)
            }
        }
        return "/" + out.joined(separator: "/") + query
    }

    /// A URL as an operator may see it: scheme, host and path, without a query that may carry a signature.
    static func shown(_ text: String) -> String {
        String(text.prefix { $0 != "?" && $0 != "#" }.prefix(200))
    }
}
