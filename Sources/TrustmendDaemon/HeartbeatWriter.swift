import FoundationEssentials
import TrustmendCore

/// What the watchdog service needs to write the heartbeat: the reader's state, whether the journal is
/// there at all, and where the file goes.
public struct HeartbeatWriter: Sendable {
    public var status: SourceStatus
    /// Why there is no journal to read; nil when there is one (`JournalPresence`), or when the daemon
    /// reads no journal.
    public var journalMissing: @Sendable () -> String?
    /// Writes the file; throws when it cannot.
    public var write: @Sendable (Heartbeat) throws -> Void
    public var interval: Duration

    public init(
        status: SourceStatus, journalMissing: @escaping @Sendable () -> String?, write: @escaping @Sendable (Heartbeat) throws -> Void,
        interval: Duration = Heartbeat.interval
    ) {
        self.status = status
        self.journalMissing = journalMissing
        self.write = write
        self.interval = interval
    }

    /// The heartbeat for now: the reader's state, unless it waits healthily on a journal that has no files.
    public func beat(at now: Date) -> Heartbeat {
        var state = status.current
        if state.isHealthy, state != .off, let why = journalMissing() { state = .missing(why) }
        return Heartbeat(at: now, state: state)
    }
}
