import TrustmendCore

/// The one rule for a path a ledger names, checked by read, delete and restore of both stores: the
/// ledger is a file on disk, and a damaged or planted one must not become a way to read, delete or
/// rewrite any other file as root.
///
/// A path is accepted only in the exact shape the stores write: an absolute path with no empty, `.` or
/// `..` component, whose name is `trustmend-<hex>` plus the suffix (the SHA-256's 64 hex digits today;
/// 16 in files written before, so 16 to 64 are accepted), directly inside the distro's anchor directory (system route) or inside
/// `/etc/{docker,containerd}/certs.d/<one registry>/` (registry route).
public enum LedgerPath {
    public static let prefix = "trustmend-"

    /// `trustmend-<16 to 64 lower-case hex digits><suffix>`.
    public static func isAnchorName(_ name: Substring, suffix: String) -> Bool {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
        let hex = name.dropFirst(prefix.count).dropLast(suffix.count)
        return (16...64).contains(hex.count) && hex.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// Absolute, and no component is empty, `.` or `..`.
    public static func isPlain(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let components = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return !components.contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    static func split(_ path: String) -> (directory: String, name: Substring)? {
        guard isPlain(path), let slash = path.lastIndex(of: "/") else { return nil }
        return (String(path[..<slash]), path[path.index(after: slash)...])
    }

    /// A system-route anchor: `<anchorDirectory>/trustmend-<hex><suffix>`.
    public static func isSystemAnchor(_ path: String, anchorDirectory: String, suffix: String) -> Bool {
        guard let (directory, name) = split(path) else { return false }
        return directory == anchorDirectory && isAnchorName(name, suffix: suffix)
    }

    /// A registry-route anchor: `/etc/{docker,containerd}/certs.d/<registry>/trustmend-<hex>.crt`.
    public static func isRegistryAnchor(_ path: String) -> Bool {
        guard let (directory, name) = split(path) else { return false }
        return isCertsDirectory(directory) && isAnchorName(name, suffix: ".crt")
    }

    /// `/etc/{docker,containerd}/certs.d/<one name>`, the name neither empty, `.` nor `..`.
    public static func isCertsDirectory(_ directory: String) -> Bool {
        guard isPlain(directory) else { return false }
        return RegistryEngine.allCases.contains { engine in
            guard directory.hasPrefix(engine.certsDirectory + "/") else { return false }
            let name = directory.dropFirst(engine.certsDirectory.count + 1)
            return !name.isEmpty && !name.contains("/")
        }
    }

    static func refusal(_ path: String, route: String) -> TrustStoreError {
        TrustStoreError(
            .delete, path: path,
            detail: "the ledger names a file that is not a trustmend anchor of the \(route) route; nothing was read, deleted or restored")
    }
}
