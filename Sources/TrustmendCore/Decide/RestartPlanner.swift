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
        let unit = EngineUnit.containerd.name
        guard let state = facts.containerd, state.exists else { return .skip(unit: unit, reason: notInstalled) }
        guard state.isActive else { return .skip(unit: unit, reason: "it is \(state.activeState), not running") }
        if let docker = facts.docker, docker.isActive, facts.dockerStopsWithContainerd, !facts.dockerLiveRestore {
            let why = "\(EngineUnit.docker.name) stops with \(EngineUnit.containerd.name) on this node, and " + killsContainers
            return explicit ? .restart(unit: unit, warning: why) : .skip(unit: unit, reason: why + "; restart it in a maintenance window")
        }
        return .restart(unit: unit, warning: nil)
    }

    public static func docker(_ facts: EngineFacts, explicit: Bool) -> RestartDecision {
        let unit = EngineUnit.docker.name
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
