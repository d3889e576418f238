import Glibc

/// Whether there is a journal to read where the reader looks, for the heartbeat.
///
/// sd-journal opens an empty or missing journal directory without an error and then waits for good: a
/// pod whose journal mount is missing stays Running and repairs nothing (FACTS §22). Journal files are
/// what journald writes: `*.journal` (and `*.journal~`, a file it closed uncleanly), in the directory or
/// in one of its machine-id subdirectories.
public enum JournalPresence {
    /// Why no journal can be read at `location`; nil when there is at least one journal file.
    /// `machineID`: this machine's, read once at start (`MachineID.read`), for the system journal.
    public static func missing(at location: SystemdJournalSource.Location, machineID systemID: String? = nil) -> String? {
        switch location {
        case .system:
            return missing(system: ["/var/log/journal", "/run/log/journal"], machineID: systemID)
        case .directory(let directory):
            return holdsJournal(directory) ? nil : "no journal files in \(directory)"
        case .osRoot(let root, let machineID):
            // The node's journal under a host root: its machine-id's subdirectories, as for the system's.
            let base = root == "/" ? "" : root
            return missing(system: [base + "/var/log/journal", base + "/run/log/journal"], machineID: machineID)
        case .files(let files):
            let absent = files.filter { access($0, R_OK) != 0 }
            return absent.isEmpty ? nil : "cannot read the journal file\(absent.count == 1 ? "" : "s") \(absent.joined(separator: ", "))"
        }
    }

    /// The system journal is read for this machine only (SD_JOURNAL_LOCAL_ONLY): the files in its
    /// machine-id's subdirectory of `places`.
    static func missing(system places: [String], machineID id: String?) -> String? {
        if let id {
            if places.contains(where: { holdsJournalFile(in: $0 + "/" + id) }) { return nil }
            if places.contains { holdsJournal($0) } {
                return "the journal files in \(places.joined(separator: " or ")) are another machine's, not of machine-id \(id) "
                    + "(in a pod: mount the node's /etc/machine-id)"
            }
        } else if places.contains { holdsJournal($0) } {
            return nil
        }
        return "no journal files in \(places.joined(separator: " or ")) (in a pod: mount the node's journal directories)"
    }

    /// A journal file in `directory` or one level below.
    static func holdsJournal(_ directory: String) -> Bool {
        entries(directory).contains { name, isDirectory in
            isDirectory ? entries(directory + "/" + name).contains { isJournal($0.name) } : isJournal(name)
        }
    }

    /// A journal file directly in `directory`.
    static func holdsJournalFile(in directory: String) -> Bool { entries(directory).contains { !$0.isDirectory && isJournal($0.name) } }

    static func isJournal(_ name: String) -> Bool { name.hasSuffix(".journal") || name.hasSuffix(".journal~") }

    private static func entries(_ directory: String) -> [(name: String, isDirectory: Bool)] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var result: [(String, Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            result.append((name, entry.pointee.d_type == UInt8(DT_DIR)))
        }
        return result
    }
}
