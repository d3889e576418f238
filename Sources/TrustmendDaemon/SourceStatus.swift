import Synchronization
import TrustmendCore

/// The journal reader's state, set by the source service as it reads and read by the heartbeat.
public final class SourceStatus: Sendable {
    private let state = Mutex(SourceHealth.starting)

    public init() {}

    public var current: SourceHealth { state.withLock { $0 } }

    public func set(_ health: SourceHealth) { state.withLock { $0 = health } }
}
