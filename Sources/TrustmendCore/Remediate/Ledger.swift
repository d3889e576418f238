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
