/// What `trustmend remove` names: an endpoint, an anchor's SHA-256 (or a prefix of ≥ 8 hex digits), or all.
public enum LedgerSelector: Sendable, Hashable, CustomStringConvertible {
    case endpoint(Endpoint)
    /// A host without a port: every port.
    case host(String)
    case sha256Prefix(String)
    case all

    /// Reads a command-line argument. 64 hex digits, or 8–63 with at least one letter a–f or no dot, are a
    /// SHA-256 (prefix); anything else must parse as an endpoint.
    public init(parsing text: String) throws(EndpointError) {
        let hex = text.lowercased().filter { $0 != ":" }
        if hex.count >= 8, hex.count <= 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
            !text.contains(".")
        {
            self = .sha256Prefix(hex)
            return
        }
        if !text.contains(":") || (text.hasPrefix("[") && text.hasSuffix("]")) {
            let endpoint = try Endpoint(parsing: text)
            self = .host(endpoint.host)
            return
        }
        self = .endpoint(try Endpoint(parsing: text))
    }

    public func matches(_ entry: LedgerEntry) -> Bool {
        switch self {
        case .all: true
        // A registry is a certs.d directory named as the reference spells it (`RegistryHost`); hosts are lower case.
        case .endpoint(let e): (entry.host == e.host && entry.port == e.port) || entry.registry?.lowercased() == e.authority
        case .host(let h): entry.host == h || entry.registry?.lowercased() == h
        case .sha256Prefix(let p): entry.sha256.hasPrefix(p)
        }
    }

    public var description: String {
        switch self {
        case .all: "all entries"
        case .endpoint(let e): e.authority
        case .host(let h): "\(h) (any port)"
        case .sha256Prefix(let p): "SHA-256 \(p)…"
        }
    }
}
