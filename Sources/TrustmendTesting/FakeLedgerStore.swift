import Synchronization
import TrustmendCore

/// The ledger in memory; `failSaves(after:)` makes saves throw, to test what a repair does when the
/// ledger cannot be written half way.
public final class FakeLedgerStore: LedgerStore {
    /// The ledger cannot be written.
    public struct Unwritable: Error, CustomStringConvertible {
        public var description: String { "cannot write the ledger: No space left on device" }
    }

    private let state: Mutex<(ledger: Ledger, saves: Int, failAfter: Int?)>

    public init(_ ledger: Ledger = Ledger()) {
        state = Mutex((ledger, 0, nil))
    }

    public var ledger: Ledger { state.withLock { $0.ledger } }

    /// Saves after the first `count` (counted from now) throw; nil: saves work.
    public func failSaves(after count: Int?) {
        state.withLock {
            $0.failAfter = count
            $0.saves = 0
        }
    }

    public func load() throws -> Ledger { state.withLock { $0.ledger } }

    public func save(_ ledger: Ledger) throws {
        try state.withLock { s in
            if let limit = s.failAfter, s.saves >= limit { throw Unwritable() }
            s.saves += 1
            s.ledger = ledger
        }
    }
}
