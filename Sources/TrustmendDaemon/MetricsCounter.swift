import Synchronization
import TrustmendCore

/// The daemon's counts, shared by every copy of its `EventLog` (the coordinator hands copies to its
/// state file), so that each event is counted where it is logged.
final class MetricsCounter: Sendable {
    private let metrics: Mutex<Metrics>

    init(_ metrics: Metrics) { self.metrics = Mutex(metrics) }

    var current: Metrics { metrics.withLock { $0 } }

    func update(_ change: (inout Metrics) -> Void) { metrics.withLock { change(&$0) } }
}
