/// Chooses where a repair writes: the system store or the registry's `certs.d`, with the reason.
public enum RoutePlanner {
    /// The route for a repair of `detection`, failed by the engines that logged it (`nil` for a unit
    /// that reads no `certs.d`, such as CRI-O or a log file whose engine is not known).
    ///
    /// `auto` takes the registry route only when every engine that failed reads the file and `rule`
    /// authorises the registry the line names (`RegistryScope`; nil: `trust_any`); otherwise the system
    /// route, whose restart covers them all. `registry` refuses instead, with the reason.
    public static func choose(
        _ route: TrustRoute, engines: [(unit: String, engine: RegistryEngine?)], detection: Detection, facts: RouteFacts, rule: AllowRule?
    ) -> Result<RouteChoice, RouteRefusal> {
        let registry = RegistryHost.of(detection).flatMap { registry -> Result<RegistryHost, RouteRefusal> in
            guard rule != nil else { return .success(registry) }
            guard let endpoint = detection.endpoint else { return .failure(RouteRefusal("the line names no endpoint")) }
            if let refusal = RegistryScope.refusal(registry, endpoint: endpoint, rule: rule) { return .failure(refusal) }
            return .success(registry)
        }
        return choose(route, engines: engines, registry: registry, facts: facts)
    }

    /// The same for a registry already named and authorised (`trustmend fix --registry`: the operator's).
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
