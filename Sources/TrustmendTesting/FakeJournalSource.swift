import FoundationEssentials
import Synchronization
import TrustmendCore

/// A journal in memory: entries with the fields only journald sets (`_SYSTEMD_UNIT`, `_UID`, `_TRANSPORT`),
/// read as `SystemdJournalSource` reads them — the configured units running as root, through their own
/// stdout/stderr, without `CONTAINER_*` fields, after a saved cursor or
/// from `lookBack` ago, then new entries as they are appended, until the task is cancelled.
public final class FakeJournalSource: JournalSource {
    public struct Entry: Sendable {
        public var message: String
        public var unit: String?
        public var uid: UInt32?
        public var realtime: Date
        public var transport: String?
        /// The entry carries `CONTAINER_*` fields (a container's output an engine forwarded).
        public var containerFields: Bool

        public init(
            message: String, unit: String? = EngineUnit.containerd.name, uid: UInt32? = 0, realtime: Date = Date(),
            transport: String? = "stdout", containerFields: Bool = false
        ) {
            self.message = message
            self.unit = unit
            self.uid = uid
            self.realtime = realtime
            self.transport = transport
            self.containerFields = containerFields
        }
    }

    private let entries = Mutex<[Entry]>([])
    /// How often a follower looks for new entries (real time).
    let poll: Duration

    public init(poll: Duration = .milliseconds(10)) { self.poll = poll }

    public func append(_ new: [Entry]) { entries.withLock { $0 += new } }

    /// `fake;i=N`: after the entry at index N.
    static func cursor(_ index: Int) -> String { "fake;i=\(index)" }

    public func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error> {
        var next: Int?
        if let cursor, cursor.hasPrefix("fake;i="), let index = Int(cursor.dropFirst(7)) { next = index + 1 }
        let follower = Follower(source: self, units: Set(units), next: next, since: Date() - Double(lookBack.components.seconds))
        return AsyncThrowingStream(unfolding: { await follower.next() })
    }

    /// One reader's place in the journal.
    final class Follower: Sendable {
        let source: FakeJournalSource
        let units: Set<String>
        let since: Date
        let position: Mutex<Int?>

        init(source: FakeJournalSource, units: Set<String>, next: Int?, since: Date) {
            self.source = source
            self.units = units
            self.since = since
            position = Mutex(next)
        }

        func next() async -> LogRecord? {
            while !Task.isCancelled {
                if let record = step() { return record }
                try? await Task.sleep(for: source.poll)
            }
            return nil
        }

        private func step() -> LogRecord? {
            let all = source.entries.withLock { $0 }
            return position.withLock { position -> LogRecord? in
                var i = position ?? all.firstIndex { $0.realtime >= since } ?? all.count
                defer { position = i }
                while i < all.count {
                    let entry = all[i]
                    i += 1
                    guard let unit = entry.unit, units.contains(unit), entry.uid == 0, entry.transport == "stdout", !entry.containerFields
                    else { continue }
                    return LogRecord(
                        message: entry.message, origin: .journal(unit: unit, uid: entry.uid, transport: entry.transport),
                        position: FakeJournalSource.cursor(i - 1),
                        loggedAt: entry.realtime)
                }
                return nil
            }
        }
    }
}
