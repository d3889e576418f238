import FoundationEssentials

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
    /// The system route (anchor directory + update tool) or the registry route (an engine's certs.d);
    /// in the JSON, `"system"` or `"registry"`.
    public var route: RouteKind
    public var installedAt: Date
    /// The log line that triggered the install, or "manual".
    public var reason: String
    public var state: State
    /// The registry route's registry (`host[:port]`, the `certs.d` directory name); nil on the system route.
    public var registry: String?
    /// Directories trustmend created for this install; removed again when the last entry using them
    /// goes and they are empty. Absent in ledgers written before the registry route.
    public var directories: [String]?
    /// What authorised the install: the allow rule's host pattern (with `:port` when the rule has one),
    /// "trust_any", or "manual" (`trustmend fix`). Absent in ledgers written before trustmend kept it.
    public var rule: String?

    public init(
        host: String, port: UInt16, sha256: String, subject: String, issuer: String, notAfter: Date, files: [String],
        route: RouteKind, installedAt: Date, reason: String, state: State, registry: String? = nil, directories: [String]? = nil,
        rule: String? = nil
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
        self.rule = rule
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
