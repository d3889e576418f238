import Logging
import TrustmendCore

extension Logger {
    /// One line whose MESSAGE is `sentence` composed from `metadata`, the same facts its fields carry, with
    /// the sentence's MESSAGE_ID when it has one. For the lines outside the coordinator (start, reload, the
    /// sources), which carry no `event` field.
    public func log(_ sentence: EventSentence, level: Logger.Level, _ metadata: Logger.Metadata = [:]) {
        var meta = metadata
        if let event = sentence.event { meta["message_id"] = .string(event.messageID) }
        log(level: level, "\(sentence.text(EventFacts(metadata)))", metadata: meta)
    }
}

extension EventFacts {
    /// The facts of a line's metadata, each value as the journal writes its field.
    public init(_ metadata: Logger.Metadata) {
        self.init(metadata.mapValues { "\($0)" })
    }
}
