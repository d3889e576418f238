import Glibc

/// inotify(7) cannot watch the directory: no instance left (EMFILE: `fs.inotify.max_user_instances`),
/// no watch left (ENOSPC: `fs.inotify.max_user_watches`), or the directory cannot be reached (ENOENT, EACCES).
public struct DirectoryWatcherError: Error, Sendable, CustomStringConvertible {
    public var directory: String
    public var errno: Int32

    public var description: String {
        let hint = errno == ENOSPC || errno == EMFILE ? " (raise fs.inotify.max_user_watches / max_user_instances)" : ""
        return "cannot watch \(directory) for changes: \(String(cString: strerror(errno)))\(hint)"
    }
}
