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
///
/// Nearly every entry an engine logs cannot be a detection (`LogScanner.mayDetect`: no needle in its
/// MESSAGE). Such entries are passed over where they lie, on the reader's thread: no cursor, no field
/// copied, no record. Only the position moves on: a record without message (`passedOver`), with the
/// cursor of the last entry passed over, follows them when the reader reaches the end of the journal
/// and after every `positionEvery` of them. It comes after every record before it, so a consumer that
/// saves positions in order never saves one past an entry it has not been handed.
public struct SystemdJournalSource: JournalSource {
    public enum Location: Sendable {
        case system
        case directory(String)
        case files([String])
        /// The node's journal under a host root, only the entries of the node's machine ID (nil: all).
        case osRoot(String, machineID: String?)
    }

    public let location: Location
    /// The most records handed over per step: bounds memory when the consumer is slower than the journal.
    public let batchSize: Int
    /// Entries that cannot be a detection are passed over (false: every entry of the units is handed on,
    /// for tests about which entries come through).
    public let passesOver: Bool
    /// The most entries passed over before the position is handed on: what a crash makes the next start
    /// read again, and how long the reader goes without returning to its consumer.
    public let positionEvery: Int

    public init(location: Location = .system, batchSize: Int = 256, passesOver: Bool = true, positionEvery: Int = 10_000) {
        self.location = location
        self.batchSize = batchSize
        self.passesOver = passesOver
        self.positionEvery = max(1, positionEvery)
    }

    /// The record that moves the position past entries passed over: no message (nothing to detect), no
    /// fields, the cursor of the last of them.
    public static func passedOver(position: String) -> LogRecord {
        LogRecord(message: "", origin: .journal(unit: nil, uid: nil, transport: nil), position: position)
    }

    public func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error> {
        let target: SDJournal.Target
        switch location {
        case .system: target = .system
        case .directory(let d): target = .directory(d)
        case .files(let f): target = .files(f)
        case .osRoot(let root, let machineID): target = .osRoot(root, machineID: machineID)
        }
        let reader = Reader(
            target: target, units: units, cursor: cursor, lookBack: lookBack, batchSize: batchSize,
            passesOver: passesOver, positionEvery: positionEvery)
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
        private let passesOver: Bool
        private let positionEvery: Int
        private var journal: SDJournal?
        private var opened = false
        private var buffer: [LogRecord] = []

        init(
            target: SDJournal.Target, units: [String], cursor: String?, lookBack: Duration, batchSize: Int, passesOver: Bool,
            positionEvery: Int
        ) {
            self.target = target
            self.units = units
            self.cursor = cursor
            self.lookBack = lookBack
            self.batchSize = batchSize
            self.passesOver = passesOver
            self.positionEvery = positionEvery
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
            // Under a host root, a container's journal linked into the node's (`systemd-nspawn
            // --link-journal`) is read too, with fields its own journald set: only the node's entries count.
            if case .osRoot(_, let machineID?) = target { try journal.addMatch("_MACHINE_ID=\(machineID)") }
            if let cursor, (try? journal.seekAfter(cursor: cursor)) != nil {
                // After the saved entry (or at the nearest one if it was vacuumed away).
            } else {
                let nowUsec = SystemClock.microseconds(CLOCK_REALTIME)
                let back = UInt64(lookBack.components.seconds) * 1_000_000
                try journal.seek(realtimeMicroseconds: nowUsec > back ? nowUsec - back : 0)
            }
            self.journal = journal
        }

        /// Up to `batchSize` records, blocking until there is at least one or a wake-up. Ends after
        /// `positionEvery` entries passed over in a row, with the record that moves the position past them.
        private func step() throws -> [LogRecord] {
            guard let journal else { return [] }
            var records: [LogRecord] = []
            var passed = 0  // entries passed over since the last record
            while records.count < batchSize {
                if try journal.next() {
                    if let record = record(journal) {
                        records.append(record)
                        passed = 0
                    } else {
                        passed += 1
                        if passed >= positionEvery, let cursor = journal.cursor() {
                            records.append(SystemdJournalSource.passedOver(position: cursor))
                            break
                        }
                    }
                } else {
                    // At the end, the current entry is still the last one read: its cursor is where we stand.
                    if passed > 0, let cursor = journal.cursor() {
                        records.append(SystemdJournalSource.passedOver(position: cursor))
                        passed = 0
                    }
                    if !records.isEmpty { break }
                    if try journal.wait() == .woken { return [] }
                }
            }
            return records
        }

        /// The current entry as a record, or nil when it is passed over: it cannot be a detection, it has
        /// no MESSAGE, or it is a container's output.
        private func record(_ journal: SDJournal) -> LogRecord? {
            if passesOver, !journal.message(LogScanner.mayDetect) { return nil }
            guard let message = journal.field("MESSAGE"), let cursor = journal.cursor() else { return nil }
            // A container's output, whatever the transport: never handed on (the policy refuses it too).
            // sd-journal cannot match on a field's absence, so this is checked here.
            if journal.hasContainerFields() { return nil }
            let unit = journal.field("_SYSTEMD_UNIT")
            let uid = journal.field("_UID").flatMap { UInt32($0) }
            let transport = journal.field("_TRANSPORT")
            let loggedAt = journal.realtime().map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
            let origin = LogRecord.Origin.journal(unit: unit, uid: uid, transport: transport, containerFields: false)
            return LogRecord(message: message, origin: origin, position: cursor, loggedAt: loggedAt)
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
