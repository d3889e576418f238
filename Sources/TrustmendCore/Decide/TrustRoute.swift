/// How a repair makes the engines trust an anchor.
public enum TrustRoute: String, Sendable, Hashable, CaseIterable, Codable {
    /// The registry route where the engine that failed reads it, else the system route.
    case auto
    /// The distro's anchor directory, its update tool and an engine restart (the CCE procedure).
    case system
    /// The engine's per-registry directory (`certs.d`): this registry only, read at the next pull, no
    /// restart. Refused where the engine would not read it.
    case registry
}

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
        case .containerd: "containerd.service"
        case .docker: "docker.service"
        }
    }

    /// The engine a unit runs, when it is one that reads `certs.d`.
    public init?(unit: String) {
        switch unit {
        case "containerd.service": self = .containerd
        case "docker.service": self = .docker
        default: return nil
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Where one repair writes.
public enum RouteTarget: Sendable, Hashable, CustomStringConvertible {
    case system
    /// `certs.d/<registry>/` of each engine.
    case registry(RegistryHost, engines: [RegistryEngine])

    public var name: String {
        if case .system = self { return "system" }
        return "registry"
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

/// The route chosen for a repair, and why.
public struct RouteChoice: Sendable, Hashable {
    public var target: RouteTarget
    public var why: String

    public init(_ target: RouteTarget, why: String) {
        self.target = target
        self.why = why
    }
}

/// Why the registry route cannot serve a repair: its registry cannot be told, or an engine would not
/// read a file placed in its `certs.d`.
public struct RouteRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ why: String) { description = why }
}

/// What decides whether each engine reads its `certs.d` for a registry.
public struct RouteFacts: Sendable, Hashable {
    public var containerd: ContainerdCoverage
    public var docker: DockerImageStore

    public init(containerd: ContainerdCoverage, docker: DockerImageStore) {
        self.containerd = containerd
        self.docker = docker
    }
}

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

public enum RoutePlanner {
    /// The route for a repair of `detection`, failed by the engines that logged it (`nil` for a unit
    /// that reads no `certs.d`, such as CRI-O or a log file whose engine is not known).
    ///
    /// `auto` takes the registry route only when every engine that failed reads the file; otherwise
    /// the system route, whose restart covers them all. `registry` refuses instead, with the reason.
    public static func choose(
        _ route: TrustRoute, engines: [(unit: String, engine: RegistryEngine?)], detection: Detection, facts: RouteFacts
    ) -> Result<RouteChoice, RouteRefusal> {
        choose(route, engines: engines, registry: RegistryHost.of(detection), facts: facts)
    }

    /// The same for a registry already named (`trustmend fix --registry`).
    public static func choose(
        _ route: TrustRoute, engines: [(unit: String, engine: RegistryEngine?)], registry: Result<RegistryHost, RouteRefusal>,
        facts: RouteFacts
    ) -> Result<RouteChoice, RouteRefusal> {
        if route == .system { return .success(RouteChoice(.system, why: "route: system")) }
        switch registryChoice(engines: engines, registry: registry, facts: facts) {
        case .success(let choice): return .success(choice)
        case .failure(let refusal):
            if route == .registry { return .failure(refusal) }
            return .success(RouteChoice(.system, why: "the registry route cannot serve it: \(refusal)"))
        }
    }

    static func registryChoice(
        engines: [(unit: String, engine: RegistryEngine?)], registry found: Result<RegistryHost, RouteRefusal>, facts: RouteFacts
    ) -> Result<RouteChoice, RouteRefusal> {
        guard !engines.isEmpty else {
            return .failure(RouteRefusal("no engine that reads certs.d is known to be the one failing, so there is no directory to write"))
        }
        let registry: RegistryHost
        switch found {
        case .success(let r): registry = r
        case .failure(let refusal): return .failure(refusal)
        }
        var chosen = Set<RegistryEngine>()
        var reasons: [String] = []
        for (unit, engine) in engines {
            guard let engine else { return .failure(RouteRefusal("\(unit) reads no certs.d directory (only dockerd and containerd do)")) }
            switch engine {
            case .docker:
                if registry.isDockerHub && !facts.docker.containerdSnapshotter {
                    return .failure(RouteRefusal("dockerd ignores certs.d for docker.io on its legacy image store (\(facts.docker.why))"))
                }
                reasons.append("dockerd reads /etc/docker/certs.d at every pull")
            case .containerd:
                guard facts.containerd.covered else { return .failure(RouteRefusal("containerd: \(facts.containerd.why)")) }
                reasons.append("containerd: \(facts.containerd.why)")
            }
            chosen.insert(engine)
        }
        return .success(RouteChoice(.registry(registry, engines: chosen.sorted()), why: reasons.joined(separator: "; ")))
    }
}
