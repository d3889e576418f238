import TrustmendPlatform
import CSystemd
import Glibc
import TrustmendCore

/// sd-journal, every raw call in one place. Not thread-safe: used only on a `BlockingWorker`.
final class SDJournal {
    private var handle: OpaquePointer?
    /// Written to wake a blocked `wait()`.
    private let wakePipe: WakePipe

    enum Target: Sendable {
        case system
        case directory(String)
        case files([String])
        /// An OS tree's journal (`var/log/journal`, `run/log/journal` under it: SD_JOURNAL_OS_ROOT), and
        /// the machine ID its entries are matched on.
        case osRoot(String, machineID: String?)

        /// What an error names.
        var name: String {
            switch self {
            case .system: "the system journal"
            case .directory(let path): path
            case .files(let paths): paths.joined(separator: ", ")
            case .osRoot(let root, _): "the journal of the node under \(root) (var/log/journal, run/log/journal)"
            }
        }
    }

    init(_ target: Target) throws(JournalError) {
        var j: OpaquePointer?
        let r: Int32
        switch target {
        case .system:
            r = sd_journal_open(&j, Int32(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM))
        case .directory(let path):
            r = sd_journal_open_directory(&j, path, 0)
        case .osRoot(let root, _):
            r = sd_journal_open_directory(&j, root, Int32(SD_JOURNAL_OS_ROOT))
        case .files(let paths):
            var cStrings = paths.map { strdup($0) } + [nil]
            r = cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                    sd_journal_open_files(&j, $0, 0)
                }
            }
            for p in cStrings { free(p) }
        }
        guard r >= 0, let j else { throw JournalError(.open, errno: -r, detail: target.name) }
        do { wakePipe = try WakePipe() } catch {
            sd_journal_close(j)
            throw JournalError(.open, errno: error.errno, detail: "pipe")
        }
        handle = j
        // Long lines are cut at 64 KiB: no engine error is longer, and floods stay bounded.
        sd_journal_set_data_threshold(j, 65536)
        // The inotify watches are set up by the first get_fd: now, before anything is read. Set up at the
        // first wait instead, a rotation while the backlog was being read went unseen, and the reader
        // waited on a renamed file for good (the fault test found it; sd_journal_get_fd(3)).
        _ = sd_journal_get_fd(j)
    }

    deinit {
        if let handle { sd_journal_close(handle) }
    }

    func addMatch(_ match: String) throws(JournalError) {
        let r = match.withCString { sd_journal_add_match(handle, $0, 0) }
        guard r >= 0 else { throw JournalError(.match, errno: -r, detail: match) }
    }

    func addDisjunction() { sd_journal_add_disjunction(handle) }
    func addConjunction() { sd_journal_add_conjunction(handle) }

    /// Positions after the entry with `cursor`; false when the cursor is not in the journal any more.
    func seekAfter(cursor: String) throws(JournalError) -> Bool {
        let r = cursor.withCString { sd_journal_seek_cursor(handle, $0) }
        guard r >= 0 else { throw JournalError(.seek, errno: -r, detail: "cursor") }
        // seek_cursor lands on the nearest entry; step onto it and skip it only if it is the saved one.
        guard sd_journal_next(handle) > 0 else { return true }
        let same = cursor.withCString { sd_journal_test_cursor(handle, $0) } > 0
        if !same { sd_journal_previous(handle) }
        return same
    }

    func seek(realtimeMicroseconds: UInt64) throws(JournalError) {
        let r = sd_journal_seek_realtime_usec(handle, realtimeMicroseconds)
        guard r >= 0 else { throw JournalError(.seek, errno: -r, detail: "realtime") }
    }

    func seekTail() { sd_journal_seek_tail(handle) }

    /// Moves to the next entry; false at the end.
    func next() throws(JournalError) -> Bool {
        let r = sd_journal_next(handle)
        guard r >= 0 else { throw JournalError(.read, errno: -r, detail: "next") }
        return r > 0
    }

    /// The field's value (without `NAME=`), nil when the entry lacks it.
    func field(_ name: String) -> String? {
        var value: String?
        withField(name) { value = String(decoding: $0, as: UTF8.self) }
        return value
    }

    /// The field's value as raw bytes (without `NAME=`), valid only inside `body`; not called when the
    /// entry lacks the field. No copy: what a bulk scan needs.
    func withField(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var data: UnsafeRawPointer?
        var length = 0
        let r = name.withCString { sd_journal_get_data(handle, $0, &data, &length) }
        let prefix = name.utf8.count + 1
        guard r >= 0, let data, length >= prefix else { return }
        body(UnsafeBufferPointer(start: (data + prefix).assumingMemoryBound(to: UInt8.self), count: length - prefix))
    }

    /// Whether the current entry has a MESSAGE for whose bytes (without `MESSAGE=`) `test` holds, looked at
    /// where sd-journal maps them: no copy, no allocation. What the reader asks of every entry.
    func message(_ test: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var data: UnsafeRawPointer?
        var length = 0
        let name = UnsafeRawPointer(Self.messageField.utf8Start).assumingMemoryBound(to: CChar.self)
        guard sd_journal_get_data(handle, name, &data, &length) >= 0, let data, length >= 8 else { return false }
        return test(UnsafeBufferPointer(start: (data + 8).assumingMemoryBound(to: UInt8.self), count: length - 8))
    }

    /// The field's name as a C string that lives as long as the program (a literal is NUL-terminated).
    private static let messageField: StaticString = "MESSAGE"

    /// Whether the current entry has a field whose name starts with `CONTAINER_` (what dockerd's journald
    /// log driver, podman and systemd-nspawn add to a container's output). Every field is looked at; if
    /// the enumeration fails part-way, the names the engines use are asked for one by one.
    func hasContainerFields() -> Bool {
        let prefix = Array("CONTAINER_".utf8)
        sd_journal_restart_data(handle)
        var data: UnsafeRawPointer?
        var length = 0
        while true {
            let r = sd_journal_enumerate_data(handle, &data, &length)
            if r == 0 { return false }
            guard r > 0, let data else { break }
            if length >= prefix.count, memcmp(data, prefix, prefix.count) == 0 { return true }
        }
        return ["CONTAINER_ID", "CONTAINER_ID_FULL", "CONTAINER_NAME", "CONTAINER_TAG", "CONTAINER_PARTIAL_MESSAGE"]
            .contains { field($0) != nil }
    }

    /// The current entry's realtime stamp (µs since the epoch).
    func realtime() -> UInt64? {
        var usec: UInt64 = 0
        return sd_journal_get_realtime_usec(handle, &usec) >= 0 ? usec : nil
    }

    func cursor() -> String? {
        var raw: UnsafeMutablePointer<CChar>?
        guard sd_journal_get_cursor(handle, &raw) >= 0, let raw else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    enum WaitResult { case changed, woken }

    /// Blocks until the journal changes or `wake()` is called. No timeout of its own: idle costs nothing.
    func wait() throws(JournalError) -> WaitResult {
        let fd = sd_journal_get_fd(handle)
        guard fd >= 0 else { throw JournalError(.wait, errno: -fd, detail: "get_fd") }
        var timeoutUsec: UInt64 = UInt64.max
        _ = sd_journal_get_timeout(handle, &timeoutUsec)
        var timeoutMs: Int32 = -1
        if timeoutUsec != UInt64.max {
            let nowUsec = SystemClock.microseconds(CLOCK_MONOTONIC)
            timeoutMs = timeoutUsec > nowUsec ? Int32(min((timeoutUsec - nowUsec + 999) / 1000, 60_000)) : 0
        }
        var fds = [
            pollfd(fd: fd, events: Int16(sd_journal_get_events(handle)), revents: 0),
            pollfd(fd: wakePipe.readFD, events: Int16(POLLIN), revents: 0),
        ]
        let r = poll(&fds, 2, timeoutMs)
        if r < 0 && errno != EINTR { throw JournalError(.wait, errno: errno, detail: "poll") }
        if fds[1].revents != 0 {
            wakePipe.drain()
            return .woken
        }
        let p = sd_journal_process(handle)
        guard p >= 0 else { throw JournalError(.wait, errno: -p, detail: "process") }
        return .changed
    }

    /// Wakes a blocked `wait()` from another thread. Only touches the pipe.
    func wake() { wakePipe.wake() }
}
