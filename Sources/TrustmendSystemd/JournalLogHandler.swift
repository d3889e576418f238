import CSystemd
import Glibc
import Logging

/// A swift-log handler that writes to the journal natively: each metadata key becomes a field
/// (`host` → `TRUSTMEND_HOST`; `message_id` → `MESSAGE_ID`), so `journalctl MESSAGE_ID=… TRUSTMEND_HOST=…`
/// finds entries without parsing text.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let identifier: String

    public init(identifier: String = "trustmend", level: Logger.Level = .info) {
        self.identifier = identifier
        self.logLevel = level
    }

    /// Whether standard error is the stream systemd connected to the journal: `JOURNAL_STREAM` names its
    /// `device:inode` (systemd.exec(5)). Only then does the daemon log to the journal natively. Unset, or
    /// naming another file (inherited by a process whose stderr was redirected, a test, `run` in a
    /// terminal of a service's shell), its lines go to stderr, where someone reads them.
    public static func standardErrorIsJournal(_ journalStream: String?) -> Bool {
        guard let journalStream else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return stream(journalStream, is: UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// `JOURNAL_STREAM`'s value names this device and inode (both decimal, as systemd writes them).
    public static func stream(_ value: String, is device: UInt64, _ inode: UInt64) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let d = UInt64(parts[0]), let i = UInt64(parts[1]) else { return false }
        return d == device && i == inode
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = Self.fields(
            level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 },
            identifier: identifier, file: event.file, line: event.line, function: event.function)
        var buffers = fields.map { Array($0.utf8) }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        for i in buffers.indices {
            buffers[i].withUnsafeMutableBytes { iovecs.append(iovec(iov_base: $0.baseAddress, iov_len: $0.count)) }
        }
        // The buffers stay alive (and unmoved) until after the call.
        withExtendedLifetime(buffers) { _ = sd_journal_sendv(&iovecs, Int32(iovecs.count)) }
    }

    /// The journal fields for one event, `KEY=value` each.
    public static func fields(
        level: Logger.Level, message: String, metadata: Logger.Metadata, identifier: String, file: String, line: UInt, function: String
    ) -> [String] {
        var fields = [
            "MESSAGE=\(message)", "PRIORITY=\(priority(level))", "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(file)", "CODE_LINE=\(line)", "CODE_FUNC=\(function)",
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard let name = fieldName(key) else { continue }
            fields.append("\(name)=\(value)")
        }
        return fields
    }

    /// `message_id` → `MESSAGE_ID`; any other key → `TRUSTMEND_` + upper case, invalid characters as `_`.
    public static func fieldName(_ key: String) -> String? {
        if key == "message_id" { return "MESSAGE_ID" }
        var name = "TRUSTMEND_"
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        return name.count > 64 ? nil : name
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
