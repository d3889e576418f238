import FoundationEssentials

/// One log entry as a source delivers it, with the fields that say who wrote it.
public struct LogRecord: Sendable, Hashable {
    public enum Origin: Sendable, Hashable {
        /// From the journal, with the trusted fields journald set itself (`_SYSTEMD_UNIT`, `_UID`,
        /// `_TRANSPORT`); nil when the entry lacks them. `containerFields`: the entry carries `CONTAINER_*`
        /// fields, i.e. it is a container's output that an engine (dockerd's journald log driver)
        /// forwarded under its own unit. An engine's own log reaches journald through its stderr
        /// (`_TRANSPORT=stdout`); the defaults describe such an entry.
        case journal(unit: String?, uid: UInt32?, transport: String? = "stdout", containerFields: Bool = false)
        /// From a log file that passed the ownership check when it was opened.
        case file(path: String)

        /// From a log file (`sources.files`): such a line may repair only under a pinned rule.
        public var isFile: Bool {
            if case .file = self { return true }
            return false
        }
    }

    public var message: String
    public var origin: Origin
    /// Where the source stands after this record: a journal cursor or `path:offset`.
    public var position: String
    /// When the entry was logged (the journal's realtime stamp); nil for log files.
    public var loggedAt: Date?

    public init(message: String, origin: Origin, position: String, loggedAt: Date? = nil) {
        self.message = message
        self.origin = origin
        self.position = position
        self.loggedAt = loggedAt
    }
}
