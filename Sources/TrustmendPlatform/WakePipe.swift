import Glibc

/// A self-pipe: another thread `wake()`s a thread blocked in poll(2) on `readFD`.
///
/// Both ends are non-blocking and close-on-exec, so a wake-up never blocks the waker and the update
/// tool does not inherit them. Not an error: waking more often than the waiter drains.
public final class WakePipe: Sendable {
    /// Poll this for POLLIN; call `drain()` when it is readable.
    public let readFD: Int32
    private let writeFD: Int32

    /// Throws the errno of pipe(2) (EMFILE, ENFILE).
    public init() throws(WakePipeError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw WakePipeError(errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        Glibc.close(readFD)
        Glibc.close(writeFD)
    }

    /// Wakes the waiter; safe from any thread.
    public func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(writeFD, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    public func drain() {
        var scratch = [UInt8](repeating: 0, count: 64)
        while Glibc.read(readFD, &scratch, scratch.count) > 0 {}
    }
}
