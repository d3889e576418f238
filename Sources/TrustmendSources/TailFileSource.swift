import TrustmendPlatform
import Glibc
import TrustmendCore

/// Log files followed like `tail -F`: new lines only on first sight, then every line once, across
/// rotation by rename (the old file is read to its end first), copy-truncate, and files that appear
/// later. A file is read only if it is owned by root and not writable by group or others (checked on
/// the open descriptor); others are refused once with a warning.
///
/// Wakes on inotify events of the files' directories, so an idle daemon does not poll.
public struct TailFileSource: FileSource {
    public let warn: @Sendable (String) -> Void
    public let maxLine: Int

    public init(maxLine: Int = 65536, warn: @escaping @Sendable (String) -> Void) {
        self.maxLine = maxLine
        self.warn = warn
    }

    public func follow(paths: [String], positions: [String: FilePosition]) -> AsyncThrowingStream<LogRecord, any Error> {
        let reader = TailReader(paths: paths, positions: positions, maxLine: maxLine, warn: warn)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
}
