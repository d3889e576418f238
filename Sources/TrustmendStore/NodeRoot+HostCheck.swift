import Glibc
import SystemPackage
import TrustmendCore

extension NodeRoot {
    /// A host root for `path`, once it looks like a node's `/`: an absolute path to a directory owned by
    /// root and writable by no one else, with an os-release file (read inside it, links and all). What
    /// passes may have its update tool run, so anything else is refused, naming what is wrong.
    public static func checkedHostRoot(_ path: String) throws(HostRootError) -> NodeRoot {
        guard path.hasPrefix("/") else { throw HostRootError(.notAbsolute, path: path) }
        guard let st = Syscalls.status(path) else { throw HostRootError(.missing, path: path, errno: Errno(rawValue: errno)) }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw HostRootError(.notDirectory, path: path) }
        guard st.st_uid == 0 else { throw HostRootError(.notOwnedByRoot, path: path) }
        guard st.st_mode & 0o022 == 0 else { throw HostRootError(.writableByOthers, path: path) }
        let root = NodeRoot(hostRoot: path)
        guard ["/etc/os-release", "/usr/lib/os-release"].contains(where: { Syscalls.isRegularFile(root.resolved($0)) }) else {
            throw HostRootError(.noOSRelease, path: path)
        }
        return root
    }
}
