import Glibc
import SystemPackage
import TrustmendCore

/// Reads trustmend's configuration file only when nobody but root could have written it
/// (`OwnershipRule`): the file itself, opened without following a symbolic link and never blocking on
/// a FIFO, must be a regular file, and so must every directory above it pass the rule, along the path as
/// given and along the path the kernel resolves.
///
/// A symbolic link is followed, one hop at a time, only when it is root's and every directory above it
/// passes the rule (only whoever may write its directory can replace it): kubelet mounts a ConfigMap as
/// `config.yaml → ..data/config.yaml`, `..data → ..<timestamp>`. The file it leads to is then held to the
/// same rule as a file named directly.
public enum ConfigurationFile {
    public static let nodePath = "/etc/trustmend/config.yaml"
    /// Larger files are refused: the one the package installs is 4 KiB.
    public static let limit = 1 << 20

    /// The file's text. A file that does not exist gives nil unless `required` (a path the operator
    /// named): trustmend then runs on its defaults, which trust nothing. Throws `ConfigurationFileError`
    /// for a file that exists and cannot be read or is not to be trusted.
    public static func read(_ path: String, required: Bool, rule: OwnershipRule = OwnershipRule(runningAs: geteuid())) throws(ConfigurationFileError) -> String? {
        try read(path, required: required, rule: rule, links: [])
    }

    /// The most links followed from the path given to the file (kubelet's layout takes two).
    static let linkLimit = 8

    /// `links`: the links followed so far, the first one as the operator named it.
    private static func read(_ path: String, required: Bool, rule: OwnershipRule, links: [String]) throws(ConfigurationFileError) -> String? {
        let fd: Int32
        switch Syscalls.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) {
        case .success(let f): fd = f
        case .failure(let e) where e == .noSuchFileOrDirectory && !required && links.isEmpty: return nil
        case .failure(let e) where e == .noSuchFileOrDirectory && !links.isEmpty:
            throw ConfigurationFileError(.missing, path: links[0], "it is a symbolic link to \(path), which does not exist")
        case .failure(let e) where e == .noSuchFileOrDirectory:
            throw ConfigurationFileError(.missing, path: path, "it does not exist (it was named with --config)")
        case .failure(let e) where e == .tooManySymbolicLinkLevels:
            let target = try follow(path, rule: rule, links: links)
            return try read(target, required: true, rule: rule, links: links + [path])
        case .failure(let e):
            throw ConfigurationFileError(.unreadable, path: path, "\(e)")
        }
        defer { Syscalls.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ConfigurationFileError(.unreadable, path: path, "\(Errno(rawValue: errno))") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ConfigurationFileError(.notRegular, path: path, "it is not a regular file (a directory, FIFO or device)")
        }
        if let why = rule.refusal(path, .file, owner: st.st_uid, mode: st.st_mode) {
            throw ConfigurationFileError(.untrusted, path: path, why)
        }
        try checkDirectories(above: path, rule: rule)
        switch Syscalls.readAll(fd: fd, limit: limit) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(let e) where e == .fileTooLarge:
            throw ConfigurationFileError(.unreadable, path: path, "it is larger than \(limit >> 20) MiB")
        case .failure(let e): throw ConfigurationFileError(.unreadable, path: path, "\(e)")
        }
    }

    /// Where the link at `path` leads, when it may be followed: the link is root's and its directories pass.
    private static func follow(_ path: String, rule: OwnershipRule, links: [String]) throws(ConfigurationFileError) -> String {
        let named = links.first ?? path
        guard links.count < linkLimit, let st = Syscalls.lstatus(path), st.st_mode & S_IFMT == S_IFLNK, let target = Syscalls.readLink(path)
        else {
            throw ConfigurationFileError(.notRegular, path: named, "it leads through more than \(linkLimit) symbolic links, or a loop of them")
        }
        guard st.st_uid == 0 || st.st_uid == rule.runningAs else {
            let who = rule.runningAs == 0 ? "root" : "root or uid \(rule.runningAs)"
            throw ConfigurationFileError(
                .untrusted, path: named,
                "refusing the configuration \(named): the symbolic link \(path) is owned by uid \(st.st_uid), and whoever owns it "
                    + "can point it at any file. It must be owned by \(who): chown -h \(rule.runningAs == 0 ? "root" : String(rule.runningAs)) \(path)")
        }
        try checkDirectories(above: path, rule: rule)
        return target.hasPrefix("/") ? target : AtomicFile.parent(of: path) + "/" + target
    }

    /// Every directory above `path`, as written (a symbolic link there is replaced by whoever may write
    /// the directory holding it) and as resolved (where the file really is).
    static func checkDirectories(above path: String, rule: OwnershipRule) throws(ConfigurationFileError) {
        let parent = AtomicFile.parent(of: path)
        var chains = [parent]
        if let resolved = Syscalls.realPath(parent), resolved != parent { chains.append(resolved) }
        for chain in chains {
            for directory in ancestors(of: chain) {
                guard let st = Syscalls.lstatus(directory) else {
                    throw ConfigurationFileError(.unreadable, path: path, "cannot examine the directory \(directory): \(Errno(rawValue: errno))")
                }
                if st.st_mode & S_IFMT == S_IFLNK { continue }  // checked along the resolved path
                // A directory mounted read-only here cannot be written through, whatever its mode says:
                // kubelet mounts a ConfigMap so, and the directory has an emptyDir's mode, 0777. Only the top
                // of such a mount: under ProtectSystem=strict all of /etc is read-only in the unit, not outside.
                var mode = st.st_mode
                if mode & 0o022 != 0, Syscalls.isReadOnlyMountPoint(directory) { mode &= ~0o022 }
                if let why = rule.refusal(directory, .directory(of: path), owner: st.st_uid, mode: mode) {
                    throw ConfigurationFileError(.untrusted, path: path, why)
                }
            }
        }
    }

    /// `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `/`; a relative path is taken from the working directory.
    static func ancestors(of directory: String) -> [String] {
        var absolute = directory
        if !absolute.hasPrefix("/"), let cwd = Syscalls.realPath(".") { absolute = cwd + "/" + absolute }
        var result: [String] = []
        var current = absolute
        while true {
            result.append(current)
            if current == "/" { return result }
            current = AtomicFile.parent(of: current)
        }
    }
}
