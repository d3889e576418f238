/// A validated `host:port` that a registry, CDN or proxy listens on.
///
/// Host names reach trustmend from log text, which anyone can write, so an `Endpoint` can only be made
/// through validation: a DNS name of at most 253 characters in labels of letters, digits, `-` and `_`,
/// an IPv4 literal, or an IPv6 literal (stored without brackets). The host is kept in lower case. Nothing
/// that could act as a path separator, a shell metacharacter or a control character survives.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: Int = 443) throws(EndpointError) {
        guard (1...65535).contains(port) else { throw .badPort(String(port)) }
        self.host = try Self.validateHost(host)
        self.port = UInt16(port)
    }

    /// Parses `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 literal, port 443 by default.
    public init(parsing text: String, defaultPort: Int = 443) throws(EndpointError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= 300 else { throw .tooLong(text.utf8.count) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(text, "an opening '[' without a closing ']'") }
            let inner = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            var port = defaultPort
            if !rest.isEmpty {
                guard rest.first == ":" else { throw .badHost(text, "unexpected text after ']'") }
                port = try Self.parsePort(rest.dropFirst())
            }
            guard IPv6Literal.isValid(inner) else { throw .badHost(inner, "not a valid IPv6 address") }
            try self.init(host: inner, port: port)
            return
        }
        let colons = text.utf8.count(where: { $0 == UInt8(ascii: ":") })
        if colons > 1 {
            // A bare IPv6 literal has no room for a port.
            try self.init(host: text, port: defaultPort)
            return
        }
        if colons == 1, let colon = text.firstIndex(of: ":") {
            let port = try Self.parsePort(text[text.index(after: colon)...])
            try self.init(host: String(text[..<colon]), port: port)
            return
        }
        try self.init(host: text, port: defaultPort)
    }

    public var isIPLiteral: Bool { isIPv6 || IPv4Literal.isValid(host) }
    public var isIPv6: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// `host:port` as a URL authority: IPv6 in brackets.
    public var authority: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The name to send as SNI: none for IP literals (RFC 6066 forbids them there, and Go sends none).
    public var serverName: String? { isIPLiteral ? nil : host }

    public var description: String { authority }

    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.host, a.port) < (b.host, b.port) }

    static func parsePort(_ text: Substring) throws(EndpointError) -> Int {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = Int(text), (1...65535).contains(value)
        else { throw .badPort(String(text.prefix(20))) }
        return value
    }

    static func validateHost(_ raw: String) throws(EndpointError) -> String {
        guard !raw.isEmpty else { throw .empty }
        let utf8 = raw.utf8
        guard utf8.count <= 253 else { throw .tooLong(utf8.count) }
        if utf8.contains(UInt8(ascii: ":")) {
            guard IPv6Literal.isValid(raw) else { throw .badHost(raw, "not a valid IPv6 address") }
            return raw.lowercased()
        }
        var host = raw
        if host.hasSuffix(".") { host.removeLast() }  // the root label: "example.com." is "example.com"
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty else { throw .empty }
        for label in labels {
            guard !label.isEmpty else { throw .badHost(raw, "an empty label (two dots in a row)") }
            guard label.utf8.count <= 63 else { throw .badHost(raw, "a label longer than 63 characters") }
            for byte in label.utf8 {
                let ok = (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                guard ok else { throw .badHost(raw, "the character \(EndpointError.show(byte)) is not allowed in a host name") }
            }
            guard label.first != "-" && label.last != "-" else {
                throw .badHost(raw, "a label that starts or ends with '-'")
            }
        }
        // All-numeric dotted names must be real IPv4 addresses ("999.1.1.1" is neither name nor address).
        if labels.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }) {
            guard IPv4Literal.isValid(host) else { throw .badHost(raw, "not a valid IPv4 address") }
        }
        return host.lowercased()
    }
}
