/// Where one repair writes.
public enum RouteTarget: Sendable, Hashable, CustomStringConvertible {
    case system
    /// `certs.d/<registry>/` of each engine.
    case registry(RegistryHost, engines: [RegistryEngine])

    public var route: RouteKind {
        if case .system = self { return .system }
        return .registry
    }

    /// The directories a registry target writes into.
    public var directories: [String] {
        guard case .registry(let registry, let engines) = self else { return [] }
        return engines.map { $0.directory(for: registry) }
    }

    public var description: String {
        switch self {
        case .system: "system"
        case .registry: "registry (\(directories.joined(separator: ", ")))"
        }
    }
}
