import TrustmendCore

/// docker's `/etc/docker/daemon.json` as read from the node: the one place it is read, for the restart
/// plan (live-restore), the route (the image store) and `doctor`.
public enum DockerDaemonFile: Sendable, Hashable {
    /// No file (or none readable): docker's defaults, live-restore off.
    case missing
    /// Not JSON dockerd accepts: dockerd refuses to start with it. Taken as docker's defaults.
    case invalid
    case parsed(DockerDaemonConfig)

    public static let nodePath = "/etc/docker/daemon.json"

    public static func read(_ root: NodeRoot) -> Self {
        guard case .success(let bytes) = Syscalls.readAll(root.resolved(nodePath), limit: 1 << 20) else { return .missing }
        guard let config = try? DockerDaemonConfig(parsing: bytes) else { return .invalid }
        return .parsed(config)
    }

    /// The settings, nil when the file is missing or invalid.
    public var config: DockerDaemonConfig? {
        guard case .parsed(let config) = self else { return nil }
        return config
    }

    /// `"live-restore": true`: a dockerd restart keeps containers running.
    public var liveRestore: Bool { config?.liveRestore ?? false }
}
