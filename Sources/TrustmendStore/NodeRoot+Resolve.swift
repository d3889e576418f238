import TrustmendCore

extension NodeRoot {
    /// Where a path that cannot be resolved inside the root (a link loop, a file where a directory should
    /// be) is sent: a name under `/proc/self/fd/-1`, which can never exist, so that the open that follows
    /// fails instead of following the links itself (out of the root).
    static let unresolvable = "/proc/self/fd/-1/cannot-resolve-inside-the-root"

    /// A node path on this machine's disk, its symbolic links resolved inside the root (`InRootResolver`).
    /// For `/` the path as it is: the kernel's own resolution is already the node's.
    public func resolved(_ nodePath: String) -> String {
        guard !isSystemRoot else { return nodePath }
        switch InRootResolver(root: path.string).resolve(nodePath) {
        case .success(let onDisk): return onDisk
        case .failure: return Self.unresolvable + nodePath
        }
    }

    /// A node path on this machine's disk with its directory resolved inside the root and its last
    /// component as written: for trustmend's own files (anchors, temporaries), which are opened with
    /// `O_NOFOLLOW` or checked with `lstat` so that a link in their place is never followed.
    public func resolvedParent(_ nodePath: String) -> String {
        guard !isSystemRoot else { return nodePath }
        guard let slash = nodePath.lastIndex(of: "/") else { return resolved(nodePath) }
        let name = nodePath[nodePath.index(after: slash)...]
        guard !name.isEmpty, name != ".", name != ".." else { return resolved(nodePath) }
        let directory = resolved(slash == nodePath.startIndex ? "/" : String(nodePath[..<slash]))
        return (directory == "/" ? "" : directory) + "/" + name
    }
}
