import Glibc
import TrustmendCore

/// Replaces files so that a reader, or a crash, sees either the old contents or the new, never a mix.
///
/// Write to a temporary file in the same directory (created exclusively, never following a link), set
/// the mode, fsync, rename over the target, fsync the directory.
enum AtomicFile {
    /// `durable: false` skips both fsyncs: the file is still whole or absent, but may be the old one after
    /// a power loss (the heartbeat, rewritten every few seconds, needs no more and should not wait on a busy disk).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = true) throws(TrustStoreError) {
        let directory = parent(of: path)
        let temporary = directory + "/.trustmend-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd: Int32
        switch Syscalls.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode) {
        case .success(let f): fd = f
        case .failure(let e): throw TrustStoreError(.write, path: path, errno: e)
        }
        var ok = false
        defer {
            Syscalls.close(fd)
            if !ok { _ = Syscalls.unlink(temporary) }
        }
        if case .failure(let e) = Syscalls.writeAll(fd, bytes) { throw TrustStoreError(.write, path: path, errno: e) }
        if case .failure(let e) = Syscalls.fchmod(fd, mode) { throw TrustStoreError(.write, path: path, errno: e) }
        if durable, case .failure(let e) = Syscalls.fsync(fd) { throw TrustStoreError(.write, path: path, errno: e) }
        if case .failure(let e) = Syscalls.rename(temporary, path) { throw TrustStoreError(.write, path: path, errno: e) }
        ok = true
        if durable { syncDirectory(directory) }
    }

    /// Writes anchor files (node paths, mapped by `onDisk`), creating their directories. A file that
    /// already holds the same bytes is left as it is and still returned. When one write fails, the
    /// files this call wrote are deleted again — never one that was already there, which an installed
    /// anchor may rely on — and the error is thrown.
    static func writeAnchors(_ files: [(path: String, bytes: [UInt8])], onDisk: (String) -> String) throws -> [String] {
        var result = [String]()
        var wrote = [String]()
        for directory in Set(files.map { parent(of: onDisk($0.path)) }) { sweepTemporaries(in: directory) }
        for file in files {
            let target = onDisk(file.path)
            if case .success(let existing) = Syscalls.readAll(target, limit: 1 << 20, flags: O_NOFOLLOW), existing == file.bytes {
                result.append(file.path)
                continue
            }
            do {
                try makeDirectories(parent(of: target))
                try write(file.bytes, to: target)
            } catch {
                for done in wrote { _ = Syscalls.unlink(onDisk(done)) }
                throw error
            }
            wrote.append(file.path)
            result.append(file.path)
        }
        return result
    }

    /// Node files read back for a rollback: each one's bytes, a missing file skipped. Read with
    /// `O_NOFOLLOW`, only regular files; each file's mode travels with it to `restore`.
    static func readExisting(_ files: [String], onDisk: (String) -> String) throws -> [SavedAnchorFile] {
        try files.compactMap { file throws(TrustStoreError) in
            let target = onDisk(file)
            switch Syscalls.readRegularNoFollow(target, limit: 1 << 20) {
            case .success(let read):
                return SavedAnchorFile(path: file, contents: read.bytes, mode: UInt32(read.mode) & 0o7777)
            case .failure(let e) where e == .noSuchFileOrDirectory: return nil
            case .failure(let e): throw TrustStoreError(.read, path: target, errno: e)
            }
        }
    }

    /// Puts back a file a rollback deleted, with the mode it had. A file that is there was not deleted
    /// by this call and is never rewritten.
    static func restore(_ file: SavedAnchorFile, to target: String) throws(TrustStoreError) {
        guard Syscalls.lstatus(target) == nil else { return }
        try makeDirectories(parent(of: target))
        try write(file.contents, to: target, mode: mode_t(file.mode))
    }

    static func remove(_ path: String) throws(TrustStoreError) {
        if case .failure(let e) = Syscalls.unlink(path) { throw TrustStoreError(.delete, path: path, errno: e) }
        sweepTemporaries(in: parent(of: path))
        syncDirectory(parent(of: path))
    }

    /// Deletes the temporary files a killed process left between `write`'s create and its rename
    /// (`.trustmend-PID-N.tmp`, PID no longer running): the update tools never read them, but they
    /// would stay beside the anchors for good. Another live process's temporary is left alone.
    static func sweepTemporaries(in directory: String) {
        guard case .success(let names) = Syscalls.listDirectory(directory) else { return }
        for name in names {
            guard let pid = temporaryOwner(name), pid != getpid(), !Syscalls.processExists(pid) else { continue }
            _ = Syscalls.unlink(directory + "/" + name)
        }
    }

    /// The PID in a temporary file's name written by `write`, or nil for any other name.
    static func temporaryOwner(_ name: String) -> pid_t? {
        guard name.hasPrefix(".trustmend-"), name.hasSuffix(".tmp") else { return nil }
        let middle = name.dropFirst(".trustmend-".count).dropLast(".tmp".count).split(separator: "-")
        guard middle.count == 2, let pid = pid_t(middle[0]), pid > 0, UInt32(middle[1]) != nil else { return nil }
        return pid
    }

    /// Creates a directory and its missing parents with `mode`.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(TrustStoreError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if Syscalls.isDirectory(current) { continue }
            if case .failure(let e) = Syscalls.mkdir(current, mode) {
                throw TrustStoreError(.createDirectory, path: current, errno: e)
            }
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func syncDirectory(_ directory: String) {
        // Makes the rename itself durable; a failure here loses nothing that was not already at risk.
        if case .success(let fd) = Syscalls.open(directory, O_RDONLY | O_DIRECTORY) {
            _ = Syscalls.fsync(fd)
            Syscalls.close(fd)
        }
    }
}
