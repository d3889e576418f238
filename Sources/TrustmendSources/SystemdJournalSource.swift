import FoundationEssentials
import TrustmendPlatform
import Glibc
import TrustmendCore

/// The journal as a `JournalSource`: entries of the configured units, with the trusted fields journald
/// set (`_SYSTEMD_UNIT`, `_UID`, `_TRANSPORT`), from a saved cursor, following new entries.
///
/// The filter is done by journald's own index (`_SYSTEMD_UNIT=… AND _UID=0 AND _TRANSPORT=stdout`), so
/// forged entries and containers' output forwarded by an engine are not even read; entries with
/// `CONTAINER_*` fields are dropped as they are read. The policy checks the same fields again. Rotation and vacuuming are handled by sd-journal
/// (`SD_JOURNAL_INVALIDATE` just means: carry on reading).
public struct SystemdJournalSource: JournalSource {
    public enum Location: Sendable {
        case system
        case directory(String)
        case files([String])
    }

    public let location: Location
    /// The most records handed over per step: bounds memory when the consumer is slower than the journal.
    public let batchSize: Int

    public init(location: Location = .system, batchSize: Int = 256) {
        self.location = location
        self.batchSize = batchSize
    }

    public func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error> {
        let target: SDJournal.Target
        switch location {
        case .system: target = .system
        case .directory(let d): target = .directory(d)
        case .files(let f): target = .files(f)
        }
        let reader = Reader(target: target, units: units, cursor: cursor, lookBack: lookBack, batchSize: batchSize)
        // Pull-based: the journal is read only when the consumer asks for the next record, so a slow
        // consumer holds back the reader instead of filling memory.
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    /// The journal, its reading steps on a dedicated thread, and the records read but not yet handed out.
    final class Reader: @unchecked Sendable {
        // @unchecked: `journal` is created, used and released only on the worker thread; `buffer` and
        // `opened` are used only by the one consumer task that iterates the stream; `wake()` only writes
        // to a pipe of a journal that outlives every call.
        private let worker = BlockingWorker(name: "journal")
        private let target: SDJournal.Target
        private let units: [String]
        private let cursor: String?
        private let lookBack: Duration
        private let batchSize: Int
        private var journal: SDJournal?
        private var opened = false
        private var buffer: [LogRecord] = []

        init(target: SDJournal.Target, units: [String], cursor: String?, lookBack: Duration, batchSize: Int) {
            self.target = target
            self.units = units
            self.cursor = cursor
            self.lookBack = lookBack
            self.batchSize = batchSize
        }

        deinit {
            let worker = self.worker
            let box = JournalBox(journal)
            journal = nil
            worker.submit { box.release() }
            worker.close()
        }

        func next() async throws -> LogRecord? {
            if !opened {
                try await worker.run { try self.open() }
                opened = true
            }
            while buffer.isEmpty {
                if Task.isCancelled { return nil }
                let records = try await withTaskCancellationHandler {
                    try await worker.run { try self.step() }
                } onCancel: {
                    self.wake()
                }
                buffer = records.reversed()
            }
            return buffer.popLast()
        }

        private func open() throws {
            let journal = try SDJournal(target)
            for (i, unit) in units.enumerated() {
                if i > 0 { journal.addDisjunction() }
                try journal.addMatch("_SYSTEMD_UNIT=\(unit)")
            }
            journal.addConjunction()
            try journal.addMatch("_UID=0")
            // An engine's own log reaches journald through its stderr; its containers' output (dockerd's
            // journald log driver) comes over the native protocol (`_TRANSPORT=journal`) under the same
            // unit and uid. Only the former is read.
            try journal.addMatch("_TRANSPORT=stdout")
            if let cursor, (try? journal.seekAfter(cursor: cursor)) != nil {
                // After the saved entry (or at the nearest one if it was vacuumed away).
            } else {
                let nowUsec = SystemClock.microseconds(CLOCK_REALTIME)
                let back = UInt64(lookBack.components.seconds) * 1_000_000
                try journal.seek(realtimeMicroseconds: nowUsec > back ? nowUsec - back : 0)
            }
            self.journal = journal
        }

        /// Up to `batchSize` records, blocking until there is at least one or a wake-up.
        private func step() throws -> [LogRecord] {
            guard let journal else { return [] }
            var records: [LogRecord] = []
            while records.count < batchSize {
                if try journal.next() {
                    guard let message = journal.field("MESSAGE"), let cursor = journal.cursor() else { continue }
                    let unit = journal.field("_SYSTEMD_UNIT")
                    let uid = journal.field("_UID").flatMap { UInt32($0) }
                    let transport = journal.field("_TRANSPORT")
                    // A container's output, whatever the transport: never handed on (the policy refuses it
                    // too). sd-journal cannot match on a field's absence, so this is checked here.
                    if journal.hasContainerFields() { continue }
                    let loggedAt = journal.realtime().map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
                    let origin = LogRecord.Origin.journal(unit: unit, uid: uid, transport: transport, containerFields: false)
                    records.append(LogRecord(message: message, origin: origin, position: cursor, loggedAt: loggedAt))
                } else if records.isEmpty {
                    if try journal.wait() == .woken { return [] }
                } else {
                    break
                }
            }
            return records
        }

        func wake() { journal?.wake() }
    }
}

/// Carries the journal to the worker thread to be released there.
private final class JournalBox: @unchecked Sendable {
    // @unchecked: handed from the deinit to the worker thread once, used only there.
    private var journal: SDJournal?
    init(_ journal: SDJournal?) { self.journal = journal }
    func release() { journal = nil }
}
