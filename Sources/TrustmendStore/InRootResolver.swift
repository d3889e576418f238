import CNodeRoot
import Glibc
import SystemPackage

/// Resolves a node path inside a root directory as the kernel would if the root were `/`: every symbolic
/// link is followed inside the root (an absolute target starts again at the root, not at this process's
/// `/`), `..` stops at the root, and more than 40 links is ELOOP. Under a host-root mount this is what
/// makes RHEL's `/etc/pki/tls/certs/ca-bundle.crt` → `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`
/// the node's bundle and not the container's (FACTS §22); under a sandbox it keeps a link planted in the
/// tree from reaching this machine's files.
///
/// The kernel does it where it can (openat2 with RESOLVE_IN_ROOT, Linux 5.6, read back from
/// `/proc/self/fd`); otherwise, and for a path whose last components do not exist yet (a file about to
/// be written), it is done here, component by component. The result is a path on this machine's disk
/// with no symbolic link left in the part that exists; what does not exist is appended as written.
public struct InRootResolver: Sendable {
    public enum Method: Sendable { case kernel, userspace }

    /// The root as the kernel names it (its own links resolved once).
    public let root: String
    public let method: Method

    /// The most links followed in one resolution, as the kernel's (MAXSYMLINKS).
    public static let maxLinks = 40

    /// - Parameter method: nil takes the kernel's where it has openat2.
    public init(root: String, method: Method? = nil) {
        self.root = Syscalls.realPath(root) ?? FilePath(root).string
        self.method = method ?? (Self.kernelHasOpenat2 ? .kernel : .userspace)
    }

    /// The on-disk path of `nodePath`, or the errno that stops its resolution (ELOOP, ENOTDIR, EACCES).
    public func resolve(_ nodePath: String) -> Result<String, Errno> {
        if method == .kernel, let kernel = resolveInKernel(nodePath) { return kernel }
        return resolveInUserspace(nodePath)
    }

    /// nil when the kernel cannot say: the path or part of it does not exist, or openat2 or /proc is missing.
    func resolveInKernel(_ nodePath: String) -> Result<String, Errno>? {
        let rootFD = trustmend_open_directory_path(root)
        guard rootFD >= 0 else { return nil }
        defer { Glibc.close(rootFD) }
        let fd = trustmend_openat2_in_root(rootFD, nodePath, 1)
        if fd == -ENOSYS { return nil }
        if fd == -ENOENT { return nil }  // the tail does not exist yet: resolved here
        if fd < 0 { return .failure(Errno(rawValue: -fd)) }
        defer { Glibc.close(fd) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // A root whose name the kernel writes differently (a bind mount seen twice) is left to user space.
        guard path == root || path.hasPrefix(root == "/" ? "/" : root + "/") else { return nil }
        return .success(path)
    }

    func resolveInUserspace(_ nodePath: String) -> Result<String, Errno> {
        var pending = Array(Self.components(nodePath).reversed())
        var resolved: [Substring] = []
        var links = 0
        var missing = false  // a component did not exist: the rest is taken as written
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }  // `..` at the root is the root
                continue
            }
            if missing {
                resolved.append(component)
                continue
            }
            let candidate = join(resolved + [component])
            var st = Glibc.stat()
            guard lstat(candidate, &st) == 0 else {
                guard errno == ENOENT else { return .failure(Errno(rawValue: errno)) }
                missing = true
                resolved.append(component)
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                links += 1
                guard links <= Self.maxLinks else { return .failure(.tooManySymbolicLinkLevels) }
                guard let target = Self.readLink(candidate) else { return .failure(Errno(rawValue: errno)) }
                if target.hasPrefix("/") { resolved.removeAll() }
                pending.append(contentsOf: Self.components(target).reversed())
            case S_IFDIR:
                resolved.append(component)
            default:
                guard pending.allSatisfy({ $0 == "." }) || pending.isEmpty else { return .failure(.notDirectory) }
                resolved.append(component)
            }
        }
        return .success(join(resolved))
    }

    private func join(_ components: [Substring]) -> String {
        let tail = components.joined(separator: "/")
        if tail.isEmpty { return root }
        return (root == "/" ? "" : root) + "/" + tail
    }

    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether this kernel (and the seccomp filter around this process) lets openat2 through; asked once.
    public static let kernelHasOpenat2: Bool = {
        let fd = trustmend_openat2_in_root(AT_FDCWD, "/", 1)
        if fd >= 0 { Glibc.close(fd) }
        return fd != -ENOSYS
    }()
}
