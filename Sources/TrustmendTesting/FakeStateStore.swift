import Synchronization
import TrustmendCore

/// The daemon's state in memory; `failure` makes every save (and load) throw it, as an unwritable
/// state directory does.
public final class FakeStateStore: StateStore {
    private let state: Mutex<(saved: DaemonState, saves: Int, failure: (any Error)?)>

    public init(_ initial: DaemonState = DaemonState()) {
        state = Mutex((initial, 0, nil))
    }

    public var saved: DaemonState { state.withLock { $0.saved } }
    public var saves: Int { state.withLock { $0.saves } }

    public func fail(with error: (any Error)?) { state.withLock { $0.failure = error } }

    public func load() throws -> DaemonState {
        try state.withLock { s in
            if let failure = s.failure { throw failure }
            return s.saved
        }
    }

    public func save(_ new: DaemonState) throws {
        try state.withLock { s in
            if let failure = s.failure { throw failure }
            s.saved = new
            s.saves += 1
        }
    }
}
