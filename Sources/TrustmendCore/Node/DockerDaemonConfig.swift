import FoundationEssentials

/// The one setting of `/etc/docker/daemon.json` that decides whether a dockerd restart is safe.
public struct DockerDaemonConfig: Sendable, Hashable, Decodable {
    public var liveRestore: Bool
    /// `features."containerd-snapshotter"`: the containerd image store; nil when not set.
    public var containerdSnapshotter: Bool?

    enum CodingKeys: String, CodingKey {
        case liveRestore = "live-restore"
        case features
    }

    public init(liveRestore: Bool, containerdSnapshotter: Bool? = nil) {
        self.liveRestore = liveRestore
        self.containerdSnapshotter = containerdSnapshotter
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        liveRestore = try container.decodeIfPresent(Bool.self, forKey: .liveRestore) ?? false
        let features = try container.decodeIfPresent([String: Bool].self, forKey: .features)
        containerdSnapshotter = features?["containerd-snapshotter"]
    }

    /// Parses daemon.json. A missing file means docker's defaults (live-restore off).
    public init(parsing bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(bytes))
    }
}
