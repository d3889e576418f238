/// Who may have written a file trustmend takes orders from. The configuration decides what is trusted,
/// where the ledger is and which log files are read, as root: a configuration file, or a directory
/// above it, that another user can change would hand that user root.
///
/// The rule is the log files' (`sources.files`), applied to the file and to every directory above it:
/// owned by root and not writable by group or others. "root" is the user running trustmend: the daemon
/// and the CLI run as root, and then only root counts; a test's sandbox (`--root` as an ordinary user)
/// is that user's own, and a file of one's own is no less trusted than one's own process, so that user
/// counts too (root still does: `/`, `/tmp` are root's). A directory with the sticky bit (`/tmp`) may be
/// writable by everyone: there only an entry's owner may rename or delete it, and the entry below it is
/// checked in turn.
public struct OwnershipRule: Sendable, Hashable {
    /// The effective uid of the process that reads the file.
    public var runningAs: UInt32

    public init(runningAs: UInt32) { self.runningAs = runningAs }

    public enum Kind: Sendable, Hashable {
        case file
        /// A directory above the file (`of` names the file).
        case directory(of: String)
    }

    /// Why `path` is not to be trusted; nil when it is. `mode` is `st_mode` (type bits included).
    public func refusal(_ path: String, _ kind: Kind, owner: UInt32, mode: UInt32) -> String? {
        let permissions = mode & 0o7777
        let ownerOK = owner == 0 || owner == runningAs
        // In a sticky directory only an entry's owner may rename or delete it: writable by all is safe there.
        let exempt = kind != .file && permissions & 0o1000 != 0
        let groupWritable = !exempt && permissions & 0o020 != 0
        let othersWritable = !exempt && permissions & 0o002 != 0
        guard !ownerOK || groupWritable || othersWritable else { return nil }

        let who = runningAs == 0 ? "root" : "root or uid \(runningAs) (who runs trustmend)"
        let what: String
        switch kind {
        case .file: what = "the configuration \(path)"
        case .directory(let file): what = "the directory \(path) above the configuration \(file)"
        }
        var problems: [String] = []
        if !ownerOK { problems.append("owned by uid \(owner)") }
        if groupWritable { problems.append("writable by its group") }
        if othersWritable { problems.append("writable by others") }
        var commands: [String] = []
        if !ownerOK { commands.append("chown \(runningAs == 0 ? "root" : String(runningAs)) \(path)") }
        if groupWritable || othersWritable { commands.append("chmod go-w \(path)") }
        return "refusing \(what): it is \(problems.joined(separator: " and ")) (owner uid \(owner), mode "
            + "\(Self.octal(permissions))), and whoever can change it can make trustmend trust any certificate as root. "
            + "It must be owned by \(who) and not writable by group or others: \(commands.joined(separator: " && "))"
    }

    static func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
