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

    /// Reads a whole file, refusing more than `limit` bytes.
    static func readAll(_ path: String, limit: Int, flags: Int32 = 0) -> Result<[UInt8], Errno> {
        let fd: Int32
        switch open(path, O_RDONLY | flags) {
        case .success(let f): fd = f
        case .failure(let e): return .failure(e)
        }
        defer { close(fd) }
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

    /// Reads a regular file that is not a symbolic link (`O_NOFOLLOW`, never blocking on a FIFO), with
    /// its mode: what a ledger names is read this way.
    static func readRegularNoFollow(_ path: String, limit: Int) -> Result<(bytes: [UInt8], mode: mode_t), Errno> {
        let fd: Int32
        switch open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) {
        case .success(let f): fd = f
        case .failure(let e): return .failure(e)
        }
        var st = Glibc.stat()
        let ok = fstat(fd, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
        close(fd)
        guard ok else { return .failure(Errno(rawValue: EINVAL)) }
        // Opened again by the same rule: the descriptor above only proved it a regular file.
        switch readAll(path, limit: limit, flags: O_NOFOLLOW | O_NONBLOCK) {
        case .success(let bytes): return .success((bytes, st.st_mode & 0o7777))
        case .failure(let e): return .failure(e)
        }
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
