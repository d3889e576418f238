/// Follows the journal: entries of the given units from a saved cursor, or from `lookBack` ago when
/// there is none, then new entries as they are written. The stream ends when the task is cancelled.
public protocol JournalSource: Sendable {
    func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error>
}
