/// What decides whether each engine reads its `certs.d` for a registry.
public struct RouteFacts: Sendable, Hashable {
    public var containerd: ContainerdCoverage
    public var docker: DockerImageStore

    public init(containerd: ContainerdCoverage, docker: DockerImageStore) {
        self.containerd = containerd
        self.docker = docker
    }
}
