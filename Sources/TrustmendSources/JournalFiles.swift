import TrustmendCore

/// Journal files read once, start to end, for `trustmend scan --journal-file`: every entry's MESSAGE,
/// whoever wrote it (an offline scan reports; only the daemon acts, and only on trusted fields).
public enum JournalFiles {
    /// Calls `body` with each entry's MESSAGE bytes (without `MESSAGE=`) and the entry's 1-based number.
    /// Entries without a MESSAGE are counted and skipped. Returns the number of entries.
    @discardableResult
    public static func forEachMessage(
        in paths: [String], _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void
    ) throws(JournalError) -> Int {
        let journal = try SDJournal(.files(paths))
        var number = 0
        while try journal.next() {
            number += 1
            journal.withField("MESSAGE") { body($0, number) }
        }
        return number
    }
}
