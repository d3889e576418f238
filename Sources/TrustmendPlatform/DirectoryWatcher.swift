import Glibc

/// Tells when the entries of one directory change (inotify(7)), one signal per burst of changes.
///
/// The directory, not a file, is watched: kubelet replaces a mounted ConfigMap by renaming a new `..data`
/// link over the old one, and editors and packages replace a file by renaming a new one over it; a watch
/// on the file itself would stay on the old inode and hear nothing more. A burst (kubelet's five steps,
/// an editor's write and rename) ends when `quiet` passes without another event. What changed is not
/// said: the reader compares the file's contents. The directory going away ends the stream.
public final class DirectoryWatcher: Sendable {
    public let directory: String
    private let fd: Int32
    private let wakePipe: WakePipe
    // The waits block; on the cooperative pool they would hold one of its (two) threads for good.
    private let worker = BlockingWorker(name: "config-watch")

    /// The events that may change what a path in the directory reads: written and closed, created,
    /// renamed in or out, deleted, attributes (a chmod, a chown) changed.
    public static let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB)

    /// Throws when the directory cannot be watched (it does not exist, the inotify limits are reached).
    public init(directory: String) throws(DirectoryWatcherError) {
        self.directory = directory
        let fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { throw DirectoryWatcherError(directory: directory, errno: errno) }
        guard inotify_add_watch(fd, directory, Self.mask | UInt32(IN_ONLYDIR)) >= 0 else {
            let e = errno
            Glibc.close(fd)
            throw DirectoryWatcherError(directory: directory, errno: e)
        }
        do {
            wakePipe = try WakePipe()
        } catch {
            Glibc.close(fd)
            throw DirectoryWatcherError(directory: directory, errno: error.errno)
        }
        self.fd = fd
    }

    deinit {
        let fd = self.fd
        worker.submit { Glibc.close(fd) }
        worker.close()
    }

    /// One element after each burst of changes; ends when the iterating task is cancelled or the
    /// directory is removed.
    public func changes(quiet: Duration) -> AsyncStream<Void> {
        let quietMs = Int32(min(quiet.components.seconds * 1000 + quiet.components.attoseconds / 1_000_000_000_000_000, 600_000))
        return AsyncStream(unfolding: {
            if Task.isCancelled { return nil }
            let burst = await withTaskCancellationHandler {
                (try? await self.worker.run { self.waitForBurst(quietMs: quietMs) }) ?? false
            } onCancel: {
                self.wakePipe.wake()
            }
            return burst && !Task.isCancelled ? () : nil
        })
    }

    private enum Wait { case event, quiet, woken, gone }

    /// Blocks until a burst of events has ended: true; false when woken or the directory is gone.
    private func waitForBurst(quietMs: Int32) -> Bool {
        guard wait(timeoutMs: -1) == .event else { return false }
        while true {
            switch wait(timeoutMs: quietMs) {
            case .event: continue
            case .quiet: return true
            case .woken, .gone: return false
            }
        }
    }

    private func wait(timeoutMs: Int32) -> Wait {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakePipe.readFD, events: Int16(POLLIN), revents: 0)]
        let r = poll(&fds, 2, timeoutMs)
        if r < 0 { return errno == EINTR ? .event : .woken }
        if r == 0 { return .quiet }
        if fds[1].revents != 0 {
            wakePipe.drain()
            return .woken
        }
        return drain() ? .gone : .event
    }

    /// Reads the pending events; true when the watch ended (the directory was removed or unmounted).
    private func drain() -> Bool {
        var gone = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return gone }
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + MemoryLayout<inotify_event>.size <= n {
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    if event.mask & UInt32(IN_IGNORED) != 0 { gone = true }
                    offset += MemoryLayout<inotify_event>.size + Int(event.len)
                }
            }
        }
    }
}
