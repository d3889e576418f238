import TrustmendPlatform
import Glibc
import TrustmendCore

/// The files `TailFileSource` follows, read on a worker thread of their own.
final class TailReader: @unchecked Sendable {
    // @unchecked: `files` and `buffer` are touched only on the worker thread or by the single consumer
    // task, never both at once (the consumer waits for each step); `wake()` only writes to a pipe.
    private let worker = BlockingWorker(name: "files")
    private let paths: [String]
    private let maxLine: Int
    private let warn: @Sendable (String) -> Void
    private var files: [String: TailedFile] = [:]
    private var buffer: [LogRecord] = []
    private var inotify: Int32 = -1
    private var watchesComplete = false
    /// Nil when pipe(2) failed: cancellation then takes effect at the next change of a file.
    private let wakePipe: WakePipe?

    init(paths: [String], positions: [String: FilePosition], maxLine: Int, warn: @escaping @Sendable (String) -> Void) {
        self.paths = paths
        self.maxLine = maxLine
        self.warn = warn
        for path in paths { files[path] = TailedFile(path: path, saved: positions[path]) }
        wakePipe = try? WakePipe()
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
    }

    deinit {
        for file in files.values { file.close() }
        if inotify >= 0 { Glibc.close(inotify) }
        worker.close()
    }

    func next() async throws -> LogRecord? {
        while buffer.isEmpty {
            if Task.isCancelled { return nil }
            let records = try await withTaskCancellationHandler {
                try await worker.run { self.step() }
            } onCancel: {
                self.wakePipe?.wake()
            }
            buffer = records.reversed()
        }
        return buffer.popLast()
    }

    /// Reads what is new in every file; blocks until something is.
    private func step() -> [LogRecord] {
        while true {
            if !watchesComplete { addWatches() }
            var records: [LogRecord] = []
            for path in paths {
                files[path]!.poll(into: &records, maxLine: maxLine, warn: warn)
            }
            if !records.isEmpty { return records }
            if !waitForChange() { return [] }
        }
    }

    private func addWatches() {
        guard inotify >= 0 else { return }
        var all = true
        for directory in Set(paths.map(Self.directory)) {
            let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)
            if inotify_add_watch(inotify, directory, mask) < 0 { all = false }
        }
        watchesComplete = all
    }

    /// False when woken for cancellation.
    private func waitForChange() -> Bool {
        // Without inotify, or while a directory does not exist yet, look again every few seconds.
        let timeout: Int32 = inotify >= 0 && watchesComplete ? -1 : 5000
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakePipe?.readFD ?? -1, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeout)
        if fds[1].revents != 0 {
            wakePipe?.drain()
            return false
        }
        if fds[0].revents != 0 {
            var scratch = [UInt8](repeating: 0, count: 4096)
            while Glibc.read(inotify, &scratch, scratch.count) > 0 {}
        }
        return true
    }

    static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
