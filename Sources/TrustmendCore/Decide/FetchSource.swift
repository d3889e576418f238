/// Where a detection came from, as the fetch budget counts it: the journal (the engine units' own
/// stderr) is one source, each log file another, so that lines anyone can write to one file (a syslog
/// file carries every user's `logger` line) never take the journal's or another file's fetches.
public enum FetchSource: Sendable, Hashable, CustomStringConvertible {
    case journal
    case file(String)

    public init(_ origin: LogRecord.Origin) {
        switch origin {
        case .journal: self = .journal
        case .file(let path): self = .file(path)
        }
    }

    public var description: String {
        switch self {
        case .journal: "the journal"
        case .file(let path): path
        }
    }
}
