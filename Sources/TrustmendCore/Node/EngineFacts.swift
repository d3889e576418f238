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

    /// An older docker-ce unit that `Requires=`/`BindsTo=` containerd stops with it (docker/for-linux#678).
    public var dockerStopsWithContainerd: Bool {
        docker?.stopsWith.contains(EngineUnit.containerd.name) ?? false
    }
}
