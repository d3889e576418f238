import FoundationEssentials

/// `trustmend health`'s answer: one line, and whether the daemon is alive and following its journal.
public struct HealthVerdict: Sendable, Hashable {
    public var healthy: Bool
    public var line: String

    public init(healthy: Bool, line: String) {
        self.healthy = healthy
        self.line = line
    }

    /// Judges the heartbeat file's text (nil: there is none) at `now`.
    ///
    /// Unhealthy: no file (the daemon is not running here, or has another state directory), a file that
    /// is not a heartbeat, one older than `maxAge` (the daemon is stopped or hung: it writes at least every
    /// `Heartbeat.interval`), and one that says the journal is missing or failing. A heartbeat from the
    /// future (the clock was set back) counts as fresh: its age says nothing then.
    public static func judge(_ text: String?, path: String, now: Date, maxAge: Duration) -> HealthVerdict {
        guard let text else {
            return HealthVerdict(
                healthy: false,
                line: "unhealthy: no heartbeat at \(path): trustmend run is not running, or not with this state directory (pass its --config)")
        }
        guard let beat = Heartbeat(text: text) else {
            return HealthVerdict(healthy: false, line: "unhealthy: \(path) is not a trustmend heartbeat")
        }
        let age = max(0, Int64(now.timeIntervalSince(beat.at).rounded(.down)))
        let limit = maxAge.components.seconds
        if age > limit {
            return HealthVerdict(
                healthy: false,
                line: "unhealthy: the last heartbeat is \(age) s old (more than \(limit) s): the daemon is stopped or hung; "
                    + "it last said: \(beat.state.sentence)")
        }
        guard beat.state.isHealthy else {
            return HealthVerdict(healthy: false, line: "unhealthy: \(beat.state.sentence)")
        }
        return HealthVerdict(healthy: true, line: "healthy: \(beat.state.sentence) (heartbeat \(age) s ago)")
    }
}
