/// How an engine restart ended, as `trustmend_restarts_total` counts it in its `result` label.
public enum RestartResult: String, Sendable, Hashable, CaseIterable {
    /// systemd's restart job finished (`restart-completed`).
    case completed
    /// The job failed, timed out, or could not be asked for (`restart-failed`).
    case failed
    /// Owed but not done now (`restart-deferred`): docker without live-restore, or postponed for
    /// `restart.min_interval`.
    case deferred

    /// The result an event reports; nil for any other event.
    public init?(_ event: Event) {
        switch event {
        case .restartCompleted: self = .completed
        case .restartFailed: self = .failed
        case .restartDeferred: self = .deferred
        default: return nil
        }
    }
}
