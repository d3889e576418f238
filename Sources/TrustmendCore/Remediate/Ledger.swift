import FoundationEssentials

/// What trustmend installed, where and why: the record `list`, `remove` and the package purge work from.
public struct Ledger: Codable, Sendable, Hashable {
    public static let currentVersion = 1

    public var version: Int
    public var entries: [LedgerEntry]

    public init(entries: [LedgerEntry] = []) {
        self.version = Self.currentVersion
        self.entries = entries
    }

    /// Entries for one endpoint, or for one anchor by SHA-256 (a unique prefix of at least 8 hex digits).
    public func entries(matching selector: LedgerSelector) -> [LedgerEntry] {
        entries.filter { selector.matches($0) }
    }

    /// Directories trustmend created that no entry other than `excluded` records.
    public func directoriesOnlyReferenced(by excluded: [LedgerEntry]) -> [String] {
        let keep = Set(entries.filter { !excluded.contains($0) }.flatMap { $0.directories ?? [] })
        var seen = Set<String>()
        return excluded.flatMap { $0.directories ?? [] }.filter { !keep.contains($0) && seen.insert($0).inserted }
    }

    /// Files that no entry other than `excluded` refers to: safe to delete when those entries go.
    public func filesOnlyReferenced(by excluded: [LedgerEntry]) -> [String] {
        let keep = Set(entries.filter { !excluded.contains($0) }.flatMap(\.files))
        var seen = Set<String>()
        return excluded.flatMap(\.files).filter { !keep.contains($0) && seen.insert($0).inserted }
    }
}

/// One install: an anchor trusted for one endpoint.
public struct LedgerEntry: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        /// Written before the files, so a crash mid-install is found and rolled back at the next start.
        case pending
        case installed
    }

    public var host: String
    public var port: UInt16
    public var sha256: String
    public var subject: String
    public var issuer: String
    public var notAfter: Date
    /// Absolute paths on the node (not under `--root`).
    public var files: [String]
    /// `system` (anchor directory + update tool) or `registry` (an engine's certs.d).
    public var route: String
    public var installedAt: Date
    /// The log line that triggered the install, or "manual".
    public var reason: String
    public var state: State
    /// The registry route's registry (`host[:port]`, the `certs.d` directory name); nil on the system route.
    public var registry: String?
    /// Directories trustmend created for this install; removed again when the last entry using them
    /// goes and they are empty. Absent in ledgers written before the registry route.
    public var directories: [String]?

    public init(
        host: String, port: UInt16, sha256: String, subject: String, issuer: String, notAfter: Date, files: [String],
        route: String, installedAt: Date, reason: String, state: State, registry: String? = nil, directories: [String]? = nil
    ) {
        self.host = host
        self.port = port
        self.sha256 = sha256
        self.subject = subject
        self.issuer = issuer
        // Whole seconds: what the JSON ledger keeps, so an entry equals itself after a round trip.
        self.notAfter = Date(timeIntervalSince1970: notAfter.timeIntervalSince1970.rounded(.down))
        self.files = files
        self.route = route
        self.installedAt = Date(timeIntervalSince1970: installedAt.timeIntervalSince1970.rounded(.down))
        self.reason = reason
        self.state = state
        self.registry = registry
        self.directories = directories
    }

    /// The same install: one anchor for one endpoint on one route (and registry).
    public func isSameInstall(as other: LedgerEntry) -> Bool {
        host == other.host && port == other.port && sha256 == other.sha256 && route == other.route && registry == other.registry
    }

    public var endpoint: Endpoint? { try? Endpoint(host: host, port: Int(port)) }

    /// This entry, also listing the files and directories of earlier entries of the same install: the
    /// registry route installs one anchor for one registry engine by engine (containerd's certs.d, then
    /// docker's), and the ledger must keep every file, or `remove` and the purge leave some behind.
    public func absorbing(_ earlier: [LedgerEntry]) -> LedgerEntry {
        var merged = self
        for old in earlier where old.isSameInstall(as: self) {
            merged.files = Self.union(old.files, merged.files)
            let directories = Self.union(old.directories ?? [], merged.directories ?? [])
            merged.directories = directories.isEmpty ? nil : directories
        }
        return merged
    }

    private static func union(_ a: [String], _ b: [String]) -> [String] {
        var seen = Set<String>()
        return (a + b).filter { seen.insert($0).inserted }
    }
}

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
        case .endpoint(let e): (entry.host == e.host && entry.port == e.port) || entry.registry == e.authority
        case .host(let h): entry.host == h || entry.registry == h
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
