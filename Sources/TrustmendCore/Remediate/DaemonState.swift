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
    /// The starts of each unit that trustmend knows of, held against its start limit (`StartLimitCheck`):
    /// kept here so that a restart of trustmend does not forget the restarts it just made.
    public var starts: [String: UnitStarts]

    public init() {
        journalCursor = nil
        files = [:]
        pending = []
        restartsOwed = []
        lastRestart = [:]
        starts = [:]
    }

    /// A state file written before `starts` existed reads as one without known starts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        journalCursor = try c.decodeIfPresent(String.self, forKey: .journalCursor)
        files = try c.decode([String: FilePosition].self, forKey: .files)
        pending = try c.decode([PendingRepair].self, forKey: .pending)
        restartsOwed = try c.decode([String].self, forKey: .restartsOwed)
        lastRestart = try c.decode([String: Date].self, forKey: .lastRestart)
        starts = try c.decodeIfPresent([String: UnitStarts].self, forKey: .starts) ?? [:]
    }
}
