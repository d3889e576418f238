/// Follows log files with `tail -F` semantics, from saved offsets.
public protocol FileSource: Sendable {
    func follow(paths: [String], positions: [String: FilePosition]) -> AsyncThrowingStream<LogRecord, any Error>
}
