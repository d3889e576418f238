extension Endpoint {
    /// The server an engine asks first for an image reference without mirrors: the reference's registry,
    /// with Docker Hub's as the engines name it (`docker.io` → `registry-1.docker.io`: containerd
    /// `core/remotes/docker/config/hosts.go` and `DefaultHost` in `resolver.go`, moby
    /// `daemon/pkg/registry/config.go` `DefaultRegistryHost`), port 443 unless the reference names one.
    /// Throws what `RegistryHost(reference:)` throws for a reference with no valid registry.
    public init(registryOf reference: String) throws(EndpointError) {
        try self.init(registry: try RegistryHost(reference: reference))
    }

    /// The server an engine asks first for `registry` (Docker Hub's API host for `docker.io`).
    public init(registry: RegistryHost) throws(EndpointError) {
        try self.init(host: registry.isDockerHub ? "registry-1.docker.io" : registry.host, port: Int(registry.port ?? 443))
    }
}
