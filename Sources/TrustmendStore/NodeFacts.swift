import TrustmendCore

/// The node as `fix`, `doctor` and the daemon see it, read one way: units' states (over the systemd
/// seam), docker's `daemon.json`, and containerd's configuration and version (`EngineRouteFacts`).
///
/// Nothing here decides: `RestartPlanner` and `RoutePlanner` take what it reads.
public struct NodeFacts: Sendable {
    public let root: NodeRoot
    public let systemd: any UnitRestarter
    /// Where containerd's binary may be (for `--version`).
    public var containerdBinaries: [String]

    public init(root: NodeRoot, systemd: any UnitRestarter, containerdBinaries: [String] = EngineRouteFacts.defaultContainerdBinaries) {
        self.root = root
        self.systemd = systemd
        self.containerdBinaries = containerdBinaries
    }

    /// What systemd says about `unit`; throws when systemd cannot be asked.
    public func unit(_ unit: String) async throws -> UnitState { try await systemd.activeState(of: unit) }

    public func dockerDaemon() -> DockerDaemonFile { DockerDaemonFile.read(root) }

    /// `"live-restore": true` in docker's daemon.json, read now (the operator may have changed it).
    public func dockerLiveRestore() -> Bool { dockerDaemon().liveRestore }

    /// What a restart is planned on. Throws when systemd cannot tell containerd's state: nothing can be
    /// restarted then. docker's state is nil when it cannot be read.
    public func engineFacts() async throws -> EngineFacts {
        let containerd = try await unit(EngineUnit.containerd.name)
        return EngineFacts(
            containerd: containerd, docker: try? await unit(EngineUnit.docker.name), dockerLiveRestore: dockerLiveRestore())
    }

    /// The engines that read `certs.d` and are running, and containerd's MainPID (0 when it is not
    /// running or systemd cannot be asked).
    public func runningRegistryEngines() async -> (engines: [RegistryEngine], containerdPID: UInt32) {
        var engines: [RegistryEngine] = []
        var containerdPID: UInt32 = 0
        for engine in RegistryEngine.allCases {
            guard let state = try? await unit(engine.unit) else { continue }
            if engine == .containerd { containerdPID = state.mainPID }
            if state.isActive { engines.append(engine) }
        }
        return (engines, containerdPID)
    }

    /// containerd's effective configuration and version, and docker's image store: what decides
    /// whether each engine reads its `certs.d`. containerd's PID (for its `--config`) is asked of
    /// systemd unless given; 0 means not known.
    public func routeDetails(containerdPID: UInt32? = nil) async -> EngineRouteFacts.Details {
        var pid = containerdPID
        if pid == nil { pid = (try? await unit(RegistryEngine.containerd.unit))?.mainPID ?? 0 }
        return await EngineRouteFacts(root: root, containerdBinaries: containerdBinaries).read(containerdPID: pid ?? 0)
    }
}
