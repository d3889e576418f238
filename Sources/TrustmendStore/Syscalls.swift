import Glibc
import SystemPackage

// Every file-system call of the trust store adapter, thin and errno-preserving, in one place.

enum Syscalls {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
        retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno> {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(rawValue: errno))
            }
            offset += n
        }
        return .success(())
    }

    /// Reads a whole regular file, refusing more than `limit` bytes (EFBIG). It is opened with
    /// `O_NONBLOCK` and checked before any read: a FIFO (which would block the caller until someone
    /// writes to it), a device or a directory is refused with EINVAL (`notRegular`). `flags` adds
    /// `O_NOFOLLOW` where a symbolic link must not be followed (trustmend's own files); the distros'
    /// bundles are links on the RHEL family, and an operator's certs.d file may be one, as the engines
    /// follow them.
    static func readAll(_ path: String, limit: Int, flags: Int32 = 0) -> Result<[UInt8], Errno> {
        readRegular(path, limit: limit, flags: flags).map(\.bytes)
    }

    /// The errno a read of something that is not a regular file fails with.
    static let notRegular = Errno.invalidArgument

    /// A regular file's bytes and mode (see `readAll`).
    static func readRegular(_ path: String, limit: Int, flags: Int32 = 0) -> Result<(bytes: [UInt8], mode: mode_t), Errno> {
        let fd: Int32
        switch open(path, O_RDONLY | O_NONBLOCK | flags) {
        case .success(let f): fd = f
        case .failure(let e): return .failure(e)
        }
        defer { close(fd) }
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { return .failure(Errno(rawValue: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { return .failure(notRegular) }
        return readAll(fd: fd, limit: limit).map { ($0, st.st_mode & 0o7777) }
    }

    /// Reads a regular file that is not a symbolic link (`O_NOFOLLOW`), with its mode: what a ledger
    /// names is read this way.
    static func readRegularNoFollow(_ path: String, limit: Int) -> Result<(bytes: [UInt8], mode: mode_t), Errno> {
        readRegular(path, limit: limit, flags: O_NOFOLLOW)
    }

    /// Reads an open descriptor to its end, refusing more than `limit` bytes (EFBIG).
    static func readAll(fd: Int32, limit: Int) -> Result<[UInt8], Errno> {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(rawValue: errno))
            }
            if n == 0 { return .success(out) }
            out += chunk[0..<n]
            if out.count > limit { return .failure(Errno(rawValue: EFBIG)) }
        }
    }

    /// The path with every symbolic link, `.` and `..` resolved; nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether the directory `path` is itself the top of a read-only mount here: a mount point (its device
    /// differs from its parent's) whose mount is read-only (statvfs(3) `ST_RDONLY`). A directory that is
    /// merely under a read-only mount (systemd's ProtectSystem=strict remounts all of /etc) is not one:
    /// outside that namespace it may well be writable. False when unknown.
    static func isReadOnlyMountPoint(_ path: String) -> Bool {
        guard path != "/", let own = lstatus(path), let parent = lstatus(AtomicFile.parent(of: path)), own.st_dev != parent.st_dev else {
            return false
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_DIRECTORY)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var st = Glibc.statvfs()
        return fstatvfs(fd, &st) == 0 && st.f_flag & UInt(ST_RDONLY) != 0
    }

    /// What a symbolic link holds, as written; nil when `path` is no link or cannot be read.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = Glibc.readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func fsync(_ fd: Int32) -> Result<Void, Errno> {
        Glibc.fsync(fd) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
    }

    static func fchmod(_ fd: Int32, _ mode: mode_t) -> Result<Void, Errno> {
        Glibc.fchmod(fd, mode) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
    }

    static func rename(_ from: String, _ to: String) -> Result<Void, Errno> {
        Glibc.rename(from, to) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
    }

    static func unlink(_ path: String) -> Result<Void, Errno> {
        Glibc.unlink(path) == 0 || errno == ENOENT ? .success(()) : .failure(Errno(rawValue: errno))
    }

    static func mkdir(_ path: String, _ mode: mode_t) -> Result<Void, Errno> {
        Glibc.mkdir(path, mode) == 0 || errno == EEXIST ? .success(()) : .failure(Errno(rawValue: errno))
    }

    static func rmdir(_ path: String) -> Result<Void, Errno> {
        Glibc.rmdir(path) == 0 || errno == ENOENT ? .success(()) : .failure(Errno(rawValue: errno))
    }

    /// The file's type and mode, nil when it does not exist (or cannot be stat'ed).
    static func lstatus(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    static func status(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return fstatat(AT_FDCWD, path, &st, 0) == 0 ? st : nil
    }

    static func isRegularFile(_ path: String) -> Bool {
        guard let st = status(path) else { return false }
        return st.st_mode & S_IFMT == S_IFREG
    }

    static func isExecutable(_ path: String) -> Bool {
        isRegularFile(path) && access(path, X_OK) == 0
    }

    static func isReadable(_ path: String) -> Bool {
        isRegularFile(path) && access(path, R_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        guard let st = status(path) else { return false }
        return st.st_mode & S_IFMT == S_IFDIR
    }

    /// Whether a process with this PID exists (`kill(pid, 0)`; EPERM means it does).
    static func processExists(_ pid: pid_t) -> Bool {
        Glibc.kill(pid, 0) == 0 || errno == EPERM
    }

    static func listDirectory(_ path: String) -> Result<[String], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno(rawValue: errno)) }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names.sorted())
    }

    private static func retrying(_ call: () -> Int32) -> Result<Int32, Errno> {
        while true {
            let r = call()
            if r >= 0 { return .success(r) }
            if errno != EINTR { return .failure(Errno(rawValue: errno)) }
        }
    }
}
