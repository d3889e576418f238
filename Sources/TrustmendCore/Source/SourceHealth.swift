/// Where the daemon's journal reader stands, as its heartbeat tells `trustmend health`.
///
/// Healthy means the reader follows the journal: reading it, or waiting at its end for new entries, or
/// switched off by the configuration (`sources.journal.enabled: false`, log files only). A journal with
/// no files where it is read (a pod whose journal mount is missing) and a reader that fails and is opened
/// again are not healthy: the daemon runs, but repairs nothing.
public enum SourceHealth: Sendable, Hashable {
    /// Before the reader's first step.
    case starting
    /// Following the journal, at this cursor (nil: nothing read yet).
    case reading(cursor: String?)
    /// The configuration turned the journal off.
    case off
    /// No journal files where it is read; the reason names the place.
    case missing(String)
    /// The reader failed and is opened again after a back-off; the reason is its error.
    case failing(String)

    public var isHealthy: Bool {
        switch self {
        case .starting, .reading, .off: true
        case .missing, .failing: false
        }
    }

    /// The state as the heartbeat file's `state` line and the health command's sentence say it.
    public var sentence: String {
        switch self {
        case .starting: "starting"
        case .reading(let cursor?): "reading the journal at cursor \(cursor)"
        case .reading(nil): "reading the journal (nothing read yet)"
        case .off: "the journal is switched off (sources.journal.enabled: false)"
        case .missing(let why): "the journal is missing: \(why)"
        case .failing(let why): "the journal cannot be read: \(why); it is opened again"
        }
    }

    /// The word the heartbeat file stores for the case.
    var word: String {
        switch self {
        case .starting: "starting"
        case .reading: "reading"
        case .off: "off"
        case .missing: "missing"
        case .failing: "failing"
        }
    }

    /// The free text that goes with the case (a cursor, a reason), "" when none.
    var detail: String {
        switch self {
        case .reading(let cursor?): cursor
        case .missing(let why), .failing(let why): why
        case .starting, .reading(nil), .off: ""
        }
    }

    init?(word: String, detail: String) {
        switch word {
        case "starting": self = .starting
        case "reading": self = .reading(cursor: detail.isEmpty ? nil : detail)
        case "off": self = .off
        case "missing": self = .missing(detail)
        case "failing": self = .failing(detail)
        default: return nil
        }
    }
}
