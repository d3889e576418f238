/// An approval as persisted.
public struct PendingRepair: Codable, Sendable, Hashable {
    public var host: String
    public var port: UInt16
    /// The journal unit that logged the failure; for a log file, the `Engine` the detector named.
    public var engine: String
    public var reason: String
    /// What the registry route needs to name the registry again after a crash.
    public var reference: String?
    public var path: String?
    /// The log file (`sources.files`) the line came from; nil for the journal. The repair is decided
    /// again after a crash as a line from that file (a file's line repairs only under a pinned rule), not
    /// as a journal entry of a unit named after the engine, which the policy refused.
    public var file: String?

    public init(
        host: String, port: UInt16, engine: String, reason: String, reference: String? = nil, path: String? = nil, file: String? = nil
    ) {
        self.host = host
        self.port = port
        self.engine = engine
        self.reason = reason
        self.reference = reference
        self.path = path
        self.file = file
    }

    /// The record the repair is decided again from after a crash: from the same source.
    public var record: LogRecord {
        LogRecord(message: reason, origin: file.map { .file(path: $0) } ?? .journal(unit: engine, uid: 0), position: "")
    }
}
