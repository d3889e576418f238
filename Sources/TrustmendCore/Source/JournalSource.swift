/// Follows the journal: entries of the given units from a saved cursor, or from `lookBack` ago when
/// there is none, then new entries as they are written. The stream ends when the task is cancelled.
/// A source may pass over entries that cannot be a detection and hand on, after some of them, a record
/// without message that only moves the position. Records come in the journal's order: no record's
/// position is past an entry whose record has not been handed on yet.
public protocol JournalSource: Sendable {
    func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error>
}
