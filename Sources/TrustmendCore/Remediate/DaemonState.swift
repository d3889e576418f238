import FoundationEssentials

/// What the daemon keeps across restarts, replaced atomically as a whole.
public struct DaemonState: Codable, Sendable, Hashable {
    public var journalCursor: String?
    public var files: [String: FilePosition]
    /// Approved repairs not yet carried out: re-queued after a crash.
    public var pending: [PendingRepair]
    /// Units owed a restart because trust changed: restarted after a crash.
    public var restartsOwed: [String]
    /// When each unit was last restarted by trustmend (wall clock: must survive a reboot).
    public var lastRestart: [String: Date]

    public init() {
        journalCursor = nil
        files = [:]
        pending = []
        restartsOwed = []
        lastRestart = [:]
    }
}
