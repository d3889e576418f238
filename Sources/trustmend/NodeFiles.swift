import Glibc
import TrustmendCore

/// Small reads of files by the commands (os-release, the configuration).
enum NodeFiles {
    /// The file's bytes, nil when it cannot be read; at most `limit` bytes are read, in pieces of 16 KiB
    /// (a buffer of `limit` zeroed for each small file cost the daemon a megabyte of heap it kept).
    static func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8]()
        var piece = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count < limit {
            let n = fread(&piece, 1, min(piece.count, limit - bytes.count), file)
            bytes += piece[0..<n]
            if n == 0 { break }
        }
        guard ferror(file) == 0 else { return nil }
        return bytes
    }

    static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
