import Foundation

/// Writes real journal files with `systemd-journal-remote` from export-format entries, the way journald
/// would store them, including fields only journald can set (`_SYSTEMD_UNIT`, `_UID`, `_TRANSPORT`), and
/// the fields an engine adds to its containers' output (`CONTAINER_ID`, …).
struct JournalWriter {
    static let tool = "/lib/systemd/systemd-journal-remote"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: tool) }

    let directory: String
    var file: String { directory + "/system.journal" }

    init() throws {
        try self.init(directory: NSTemporaryDirectory() + "trustmend-journal-" + UUID().uuidString)
    }

    /// Journal files in `directory` (a node tree's `/var/log/journal/<machine ID>`, say).
    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    struct Entry {
        var message: String
        var unit: String? = "containerd.service"
        var uid: String? = "0"
        var identifier: String? = nil
        var realtime: Date = Date()
        /// How the entry reached journald: `stdout` for a unit's stdout/stderr (an engine's own log),
        /// `journal` for the native protocol (dockerd's journald log driver), `syslog` for logger.
        var transport: String? = "stdout"
        /// More fields, in order, such as `CONTAINER_ID`.
        var fields: [(String, String)] = []
    }

    /// Appends the entries to the journal file.
    func append(_ entries: [Entry]) throws {
        var export = ""
        for entry in entries {
            export += "__REALTIME_TIMESTAMP=\(UInt64(entry.realtime.timeIntervalSince1970 * 1_000_000))\n"
            export += "_BOOT_ID=0123456789abcdef0123456789abcdef\n"
            if let unit = entry.unit { export += "_SYSTEMD_UNIT=\(unit)\n" }
            if let uid = entry.uid { export += "_UID=\(uid)\n" }
            if let transport = entry.transport { export += "_TRANSPORT=\(transport)\n" }
            if let identifier = entry.identifier { export += "SYSLOG_IDENTIFIER=\(identifier)\n" }
            for (name, value) in entry.fields { export += "\(name)=\(value)\n" }
            precondition(!entry.message.contains("\n"), "one-line messages only in this writer")
            export += "MESSAGE=\(entry.message)\n\n"
        }
        let input = directory + "/input-\(UUID().uuidString).export"
        try export.write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tool)
        process.arguments = ["--output=\(file)", input]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// What journald does when it rotates: the active file becomes an archive (named as journald names
    /// them); the next append starts a new `system.journal`. Returns the archive's path.
    func rotate() -> String {
        let archive = directory + "/system@0123456789abcdef0123456789abcdef-\(String(UInt64.random(in: 1...UInt64.max), radix: 16))-0000000000000001.journal"
        try! FileManager.default.moveItem(atPath: file, toPath: archive)
        return archive
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
