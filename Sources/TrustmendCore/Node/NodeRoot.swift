import SystemPackage

/// The node's file system as this process sees it: `/` for the node itself, a sandbox directory holding
/// a node's tree (`--root /tmp/x`, a test's temporary root), or the node's own root mounted into a
/// container (`--host-root /host`, a DaemonSet pod). Every node path trustmend opens, lists or hands to a
/// tool is mapped here and nowhere else.
///
/// The two kinds of directory root differ in one thing, and it is the point of keeping them apart: a
/// sandbox may be anyone's tree (`doctor --root DIR` as root on a directory a user made), so nothing in it
/// is ever executed; a host root is the node, so the node's own update tool is run in it (chrooted).
public struct NodeRoot: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// `--root`: a tree whose files are read and written but never executed.
        case sandbox
        /// `/`, or `--host-root`: the node itself, whose update tool may run.
        case host
    }

    /// The root directory, normalised by `FilePath`: no trailing or doubled separators.
    public let path: FilePath
    public let kind: Kind

    /// A sandbox root, or the node itself for `/`.
    public init(_ path: FilePath) {
        self.path = path
        self.kind = path == "/" ? .host : .sandbox
    }

    public init(_ path: String) { self.init(FilePath(path)) }

    /// The node's own root, mounted at `path` (`--host-root`).
    public init(hostRoot path: String) {
        self.path = FilePath(path)
        self.kind = .host
    }

    /// The node itself.
    public static let host = NodeRoot("/")

    /// True for `/`: node paths are opened as they are, and tools run as they are.
    public var isSystemRoot: Bool { path == "/" }

    /// Whether the node's own programs under this root may be run: only for the node itself (`/` or a
    /// host root), never for a sandbox.
    public var mayExecute: Bool { kind == .host }

    /// True for a host root mounted somewhere other than `/`: the node's tools run chrooted into it.
    public var isMountedHost: Bool { kind == .host && !isSystemRoot }

    /// Where a node path (absolute, as on the node: `/etc/docker/daemon.json`) is under this root, by
    /// text alone: symbolic links are not resolved here (the store's `resolved` does that, inside the root).
    public func onDisk(_ nodePath: String) -> String { isSystemRoot ? nodePath : path.string + nodePath }

    /// The node's system bus under a host root: its socket in the node's `/run` (nil otherwise: `/` uses
    /// the system bus as it is, and a sandbox has no bus of its own).
    public var systemBusAddress: String? {
        isMountedHost ? "unix:path=" + onDisk("/run/dbus/system_bus_socket") : nil
    }

    public var description: String { path.string }
}
