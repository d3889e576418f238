/// Where the ledger is kept.
public protocol LedgerStore: Sendable {
    /// The ledger; an empty one when none was written yet.
    func load() throws -> Ledger
    /// Replaces the ledger atomically.
    func save(_ ledger: Ledger) throws
}
