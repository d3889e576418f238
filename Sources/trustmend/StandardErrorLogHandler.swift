import Logging
import TrustmendCore

/// The daemon's lines when standard error is not the journal (a terminal, a file, a pipe): one line each,
/// `LEVEL: sentence` (`notice: installed the anchor of registry.corp.example:5000, …`), the same sentence
/// the journal's MESSAGE carries. With `fields` (`trustmend run --verbose`) the line goes on with the
/// fields the journal would carry, after " | ", as sorted `key=value`.
///
/// Everything printed is escaped as the CLI escapes outside text (`TerminalText`): the sentences are
/// already, the fields and the lines of the libraries are not.
struct StandardErrorLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let fields: Bool

    init(level: Logger.Level, fields: Bool) {
        logLevel = level
        self.fields = fields
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = fields ? metadata.merging(event.metadata ?? [:]) { $1 } : [:]
        StandardError.write(Self.line(level: event.level, message: event.message.description, fields: all))
    }

    static func line(level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        var line = "\(level.rawValue): \(TerminalText.escaped(message))"
        if !fields.isEmpty {
            line += " |" + fields.sorted { $0.key < $1.key }.map { " \($0.key)=\(TerminalText.escaped("\($0.value)"))" }.joined()
        }
        return line
    }
}
