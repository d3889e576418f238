import FoundationEssentials

/// What the daemon writes to `heartbeat` in its state directory at each tick: when, and where its
/// journal reader stands. `trustmend health` (a pod's livenessProbe) judges it.
///
/// Text, one `key value` a line, so an operator can `cat` it:
///
///     trustmend-heartbeat 1
///     at 1796198400
///     state reading
///     detail s=0123…;i=42;…
public struct Heartbeat: Sendable, Hashable {
    /// The file's name in the state directory.
    public static let fileName = "heartbeat"
    /// How often the daemon writes it when no service manager asks for a shorter watchdog interval.
    public static let interval = Duration.seconds(10)

    public var at: Date
    public var state: SourceHealth

    public init(at: Date, state: SourceHealth) {
        self.at = at
        self.state = state
    }

    public var text: String {
        // A cursor or an error never holds a newline that matters; keep the file one field a line.
        let detail = state.detail.split(separator: "\n").joined(separator: " ")
        return "trustmend-heartbeat 1\nat \(Int64(at.timeIntervalSince1970.rounded(.down)))\nstate \(state.word)\ndetail \(detail)\n"
    }

    /// Reads `text`; nil when it is not a heartbeat (another file, a torn or foreign write).
    public init?(text: String) {
        var fields: [Substring: Substring] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let key = line.prefix { $0 != " " }
            fields[key] = line.dropFirst(key.count + 1)
        }
        guard fields["trustmend-heartbeat"] == "1", let seconds = fields["at"].flatMap({ Int64($0) }),
            let state = fields["state"].flatMap({ SourceHealth(word: String($0), detail: String(fields["detail"] ?? "")) })
        else { return nil }
        self.init(at: Date(timeIntervalSince1970: Double(seconds)), state: state)
    }
}
