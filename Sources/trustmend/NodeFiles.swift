import Glibc
import TrustmendCore

/// Small reads of files by the commands (os-release, the bundle doctor counts, the runtime manifest).
enum NodeFiles {
    /// The file's bytes, nil when it cannot be read or is not a regular file; at most `limit` bytes are
    /// read, in pieces of 16 KiB (a buffer of `limit` zeroed for each small file cost the daemon a
    /// megabyte of heap it kept). Opened with `O_NONBLOCK` and checked before the first read: a FIFO in
    /// its place would block the command until someone wrote to it. Symbolic links are followed
    /// (`/etc/os-release` is one on most distros).
    static func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes = [UInt8]()
        var piece = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count < limit {
            let n = piece.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            bytes += piece[0..<n]
        }
        return bytes
    }

    static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
