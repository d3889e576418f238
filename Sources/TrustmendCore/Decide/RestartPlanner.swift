import FoundationEssentials

/// Which engine a repair should restart, as asked on the command line or in the config.
public enum RestartRequest: String, Sendable, Hashable, CaseIterable, Codable {
    case containerd, docker, auto, none
}

/// What is known about the engines when a restart is planned.
public struct EngineFacts: Sendable, Hashable {
    public var containerd: UnitState?
    public var docker: UnitState?
    /// `"live-restore": true` in `/etc/docker/daemon.json`: containers survive a dockerd restart.
    public var dockerLiveRestore: Bool

    public init(containerd: UnitState?, docker: UnitState?, dockerLiveRestore: Bool) {
        self.containerd = containerd
        self.docker = docker
        self.dockerLiveRestore = dockerLiveRestore
    }

    public static let containerdUnit = "containerd.service"
    public static let dockerUnit = "docker.service"

    /// An older docker-ce unit that `Requires=`/`BindsTo=` containerd stops with it (docker/for-linux#678).
    public var dockerStopsWithContainerd: Bool {
        docker?.stopsWith.contains(Self.containerdUnit) ?? false
    }
}

/// One engine restart decided, or not, with the reason.
public enum RestartDecision: Sendable, Hashable, CustomStringConvertible {
    /// Restart it; `warning` says what the operator accepted by asking for it.
    case restart(unit: String, warning: String?)
    case skip(unit: String, reason: String)

    public var unit: String {
        switch self {
        case .restart(let unit, _), .skip(let unit, _): unit
        }
    }

    public var description: String {
        switch self {
        case .restart(let unit, nil): "restart \(unit)"
        case .restart(let unit, let warning?): "restart \(unit) (\(warning))"
        case .skip(let unit, let reason): "not restarting \(unit): \(reason)"
        }
    }
}

/// Decides which engines to restart so that they reload the system roots (FACTS §1), never killing
/// running containers unless the operator asked for that engine by name (FACTS §13).
public enum RestartPlanner {
    public static func plan(_ request: RestartRequest, facts: EngineFacts) -> [RestartDecision] {
        switch request {
        case .none:
            return []
        case .containerd:
            return [containerd(facts, explicit: true)]
        case .docker:
            return [docker(facts, explicit: true)]
        case .auto:
            return [containerd(facts, explicit: false), docker(facts, explicit: false)].filter {
                // Units that do not exist on this node are not worth a line.
                if case .skip(_, let reason) = $0, reason == notInstalled { return false }
                return true
            }
        }
    }

    static let notInstalled = "it is not installed"
    static let killsContainers =
        "dockerd without \"live-restore\": true in /etc/docker/daemon.json stops every container when it restarts"

    public static func containerd(_ facts: EngineFacts, explicit: Bool) -> RestartDecision {
        let unit = EngineFacts.containerdUnit
        guard let state = facts.containerd, state.exists else { return .skip(unit: unit, reason: notInstalled) }
        guard state.isActive else { return .skip(unit: unit, reason: "it is \(state.activeState), not running") }
        if let docker = facts.docker, docker.isActive, facts.dockerStopsWithContainerd, !facts.dockerLiveRestore {
            let why = "docker.service stops with containerd.service on this node, and " + killsContainers
            return explicit ? .restart(unit: unit, warning: why) : .skip(unit: unit, reason: why + "; restart it in a maintenance window")
        }
        return .restart(unit: unit, warning: nil)
    }

    public static func docker(_ facts: EngineFacts, explicit: Bool) -> RestartDecision {
        let unit = EngineFacts.dockerUnit
        guard let state = facts.docker, state.exists else { return .skip(unit: unit, reason: notInstalled) }
        guard state.isActive else { return .skip(unit: unit, reason: "it is \(state.activeState), not running") }
        if !facts.dockerLiveRestore {
            return explicit
                ? .restart(unit: unit, warning: killsContainers)
                : .skip(unit: unit, reason: killsContainers + "; restart required: `trustmend fix ... --restart docker` or set live-restore")
        }
        return .restart(unit: unit, warning: nil)
    }
}

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
