/// An engine that reads per-registry trust from a `certs.d` directory at every pull (FACTS §10–11).
public enum RegistryEngine: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case containerd, docker

    public var certsDirectory: String {
        switch self {
        case .containerd: "/etc/containerd/certs.d"
        case .docker: "/etc/docker/certs.d"
        }
    }

    /// `certs.d/<registry>`: where this engine looks for the registry's certificates.
    public func directory(for registry: RegistryHost) -> String { "\(certsDirectory)/\(registry.directoryName)" }

    public var unit: String {
        switch self {
        case .containerd: EngineUnit.containerd.name
        case .docker: EngineUnit.docker.name
        }
    }

    /// The engine a unit runs, when it is one that reads `certs.d`.
    public init?(unit: String) {
        switch EngineUnit(rawValue: unit) {
        case .containerd?: self = .containerd
        case .docker?: self = .docker
        default: return nil
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
