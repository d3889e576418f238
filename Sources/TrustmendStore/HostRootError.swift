import SystemPackage

/// Why a directory given as the host root (`--host-root`, `$TRUSTMEND_HOST_ROOT`) is not taken for the
/// node's root: trustmend runs the update tool it finds there, so it must be the node, mounted.
public struct HostRootError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case notAbsolute, missing, notDirectory, notOwnedByRoot, writableByOthers, noOSRelease }

    public var code: Code
    public var path: String
    public var errno: Errno?

    public init(_ code: Code, path: String, errno: Errno? = nil) {
        self.code = code
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let mount = "mount the node's / there (a hostPath volume with path /)"
        switch code {
        case .notAbsolute: return "the host root \"\(path)\" is not an absolute path"
        case .missing: return "the host root \(path) cannot be opened\(errno.map { " (\($0))" } ?? ""): \(mount)"
        case .notDirectory: return "the host root \(path) is not a directory: \(mount)"
        case .notOwnedByRoot:
            return "the host root \(path) is not owned by root, so it is not a node's /: its update tool would run as root. \(mount)"
        case .writableByOthers:
            return "the host root \(path) is writable by group or others, so it is not a node's /: its update tool would run as root. \(mount)"
        case .noOSRelease:
            return "the host root \(path) has neither /etc/os-release nor /usr/lib/os-release, so it does not look like a node's /: \(mount)"
        }
    }
}
