/// What a batch does with each approval before any chain is fetched: the engine units whose failure
/// it answers and the route it takes, or why the route it asks for cannot serve it; and which
/// reports fetch the chain they report.
public struct BatchPlan: Sendable {
    public struct Item: Sendable {
        public var approval: Approval
        public var units: [String]
        public var route: Result<RouteChoice, RouteRefusal>
    }

    public var items: [Item]

    /// How many reports of one batch fetch the chain they report: each fetch may wait out a connect
    /// timeout, so a flood of hosts outside the policy must not hold the daemon up (the load test found
    /// repairs stalled); the rest name the dry run.
    public static let reportFetches = 8

    /// How many skips one batch reports: each costs a log line (and memory while the batch waits), so a
    /// flood of distinct hosts outside the policy is cut here and the batch says how many it left out.
    public static let maxReports = 4096

    /// - Parameters:
    ///   - loggedBy: the journal units that logged each endpoint's failure.
    ///   - runtime: the CRI runtime unit the kubelet's failures are charged to.
    ///   - facts: whether each engine reads `certs.d`; nil when the daemon has no registry route.
    public init(approvals: [Approval], loggedBy: [Endpoint: Set<String>], runtime: String, facts: RouteFacts?) {
        items = approvals.map { approval in
            let units = EngineUnits.units(for: approval.detection.engine, loggedBy: loggedBy[approval.endpoint] ?? [], runtime: runtime)
            return Item(approval: approval, units: units, route: Self.route(for: approval, units: units, facts: facts))
        }
    }

    /// The route of one approval: its rule's or the configuration's, resolved against the engines that
    /// failed and the registries the rule authorises. Without registry facts everything takes the
    /// system route.
    public static func route(for approval: Approval, units: [String], facts: RouteFacts?) -> Result<RouteChoice, RouteRefusal> {
        guard let facts else {
            if approval.route == .registry { return .failure(RouteRefusal("this daemon has no registry route")) }
            return .success(RouteChoice(.system, why: approval.route == .system ? "route: system" : "no registry route"))
        }
        let engines = units.map { (unit: $0, engine: RegistryEngine(unit: $0)) }
        return RoutePlanner.choose(approval.route, engines: engines, detection: approval.detection, facts: facts, rule: approval.rule)
    }

    /// Items grouped by where they write, in a stable order: the system route runs its update tool once
    /// for all of its items.
    public static func groups<T>(_ items: [(target: RouteTarget, item: T)]) -> [(target: RouteTarget, items: [T])] {
        var order: [RouteTarget] = []
        var grouped: [RouteTarget: [T]] = [:]
        for (target, item) in items {
            if grouped[target] == nil { order.append(target) }
            grouped[target, default: []].append(item)
        }
        return order.sorted { $0.description < $1.description }.map { ($0, grouped[$0]!) }
    }

    /// The CRI runtime in use: containerd when it runs, else CRI-O, else docker (cri-dockerd). The
    /// kubelet pulls through it, so a kubelet failure is repaired by restarting it.
    public static let runtimeCandidates = [EngineUnit.containerd, .crio, .docker].map(\.name)

    public static func runtime(active: Set<String>) -> String {
        runtimeCandidates.first { active.contains($0) } ?? EngineUnit.containerd.name
    }
}
