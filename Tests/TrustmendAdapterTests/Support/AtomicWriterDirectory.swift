import Foundation

/// A directory updated the way kubelet updates a mounted ConfigMap (its atomic writer,
/// pkg/volume/util/atomic_writer.go): the files go into a new `..<timestamp>` directory, a `..data_tmp`
/// link to it is renamed over `..data`, each key is a link `key → ..data/key` (made once), and the old
/// timestamp directory is removed last.
final class AtomicWriterDirectory {
    let path: String
    private var current: String?
    private var generation = 0

    /// `parent`: where the mount point is made (a sandbox root's /etc/trustmend, or a temporary directory).
    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    /// The path of a key as the daemon is told it.
    func file(_ key: String) -> String { path + "/" + key }

    /// One update: every key's new contents at once. `owner`: the files' uid (kubelet's are root's).
    func publish(_ files: [String: String], owner: uid_t = 0) throws {
        generation += 1
        let stamp = "..2026_12_01_15_00_00.\(String(format: "%09d", generation))"
        let directory = path + "/" + stamp
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        for (key, text) in files {
            let file = directory + "/" + key
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            try check(chmod(file, 0o644))
            try check(chown(file, owner, 0))
        }
        let temporary = path + "/..data_tmp"
        try check(symlink(stamp, temporary))
        try check(rename(temporary, path + "/..data"))
        for key in files.keys where (try? FileManager.default.destinationOfSymbolicLink(atPath: file(key))) == nil {
            try check(symlink("..data/" + key, file(key)))
        }
        if let current { try FileManager.default.removeItem(atPath: path + "/" + current) }
        current = stamp
    }

    /// Changes only the mode of the current files: what a kubelet resync or `chmod` does, no new content.
    func touchAttributes() throws {
        guard let current else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: path + "/" + current) {
            try check(chmod(path + "/" + current + "/" + name, 0o640))
        }
        try check(chmod(path + "/" + current, 0o750))
    }

    private func check(_ result: Int32) throws {
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
