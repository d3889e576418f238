import SystemPackage

/// The node's file system as this process sees it: `/` for the node itself, or a sandbox directory
/// holding the node's tree (`--root /tmp/x`, a test's temporary root). Every node path trustmend opens,
/// lists or hands to a tool is mapped here and nowhere else.
public struct NodeRoot: Sendable, Hashable, CustomStringConvertible {
    /// The root directory, normalised by `FilePath`: no trailing or doubled separators.
    public let path: FilePath

    public init(_ path: FilePath) { self.path = path }

    public init(_ path: String) { self.init(FilePath(path)) }

    /// The node itself.
    public static let host = NodeRoot("/")

    /// True for `/`: node paths are opened as they are.
    public var isHost: Bool { path == "/" }

    /// Where a node path (absolute, as on the node: `/etc/docker/daemon.json`) is under this root.
    public func onDisk(_ nodePath: String) -> String { isHost ? nodePath : path.string + nodePath }

    public var description: String { path.string }
}
