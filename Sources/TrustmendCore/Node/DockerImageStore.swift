/// Which image store dockerd uses: the legacy (graphdriver) store ignores `certs.d` for docker.io.
public struct DockerImageStore: Sendable, Hashable {
    public var containerdSnapshotter: Bool
    public var why: String

    public init(containerdSnapshotter: Bool, why: String) {
        self.containerdSnapshotter = containerdSnapshotter
        self.why = why
    }

    /// From daemon.json's `features."containerd-snapshotter"`.
    public init(daemonJSON: DockerDaemonConfig?) {
        switch daemonJSON?.containerdSnapshotter {
        case true?: self.init(containerdSnapshotter: true, why: "daemon.json sets features.containerd-snapshotter: true")
        case false?: self.init(containerdSnapshotter: false, why: "daemon.json sets features.containerd-snapshotter: false (the legacy image store)")
        case nil:
            self.init(containerdSnapshotter: false, why: "daemon.json does not set features.containerd-snapshotter: taken as the legacy image store")
        }
    }
}
