import FoundationEssentials
import Testing
@testable import TrustmendCore
import TrustmendTesting

/// The daemon's decisions as values: what a batch does with each approval, what a repair's result
/// leaves owed, which owed restarts run now.
@Suite struct DaemonDecisionTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func plan(_ chain: TestChain) throws -> RepairPlan {
        RepairPlan(chain: try chain.chain([chain.leaf, chain.intermediate]), anchors: [chain.intermediate], files: ["/a.crt"], updateCommand: "", bundlePath: "")
    }

    // MARK: RepairFollowUp

    struct FollowUpRow: Sendable, CustomTestStringConvertible {
        var name: String
        var outcome: String
        var units: [String]
        var loggedAt: Date?
        var lastRestart: [String: Date] = [:]
        var restartsEngines = true
        var started: [String: Date] = [:]
        var trustChanged: Date? = nil
        var expected: RepairFollowUp
        var testDescription: String { name }
    }

    static let followUps: [FollowUpRow] = [
        FollowUpRow(name: "an install on the system route restarts the engines", outcome: "installed",
            units: ["containerd.service", "docker.service"], expected: .restart(["containerd.service", "docker.service"])),
        FollowUpRow(name: "an install on the registry route restarts nothing", outcome: "installed", units: ["docker.service"],
            restartsEngines: false, expected: .nothing),
        FollowUpRow(name: "already trusted: the engine has not reloaded", outcome: "trusted", units: ["containerd.service"],
            loggedAt: t0, expected: .reload(["containerd.service"])),
        FollowUpRow(name: "already trusted, logged before trustmend's restart: nothing owed", outcome: "trusted", units: ["containerd.service"],
            loggedAt: t0, lastRestart: ["containerd.service": t0 + 1], expected: .staleFailure(restarted: ["containerd.service"])),
        FollowUpRow(name: "already trusted, logged after the restart: owed again", outcome: "installedBefore", units: ["containerd.service"],
            loggedAt: t0 + 2, lastRestart: ["containerd.service": t0 + 1], expected: .reload(["containerd.service"])),
        FollowUpRow(name: "only the engine restarted since is spared", outcome: "trusted", units: ["containerd.service", "docker.service"],
            loggedAt: t0, lastRestart: ["containerd.service": t0 + 1], expected: .reload(["docker.service"])),
        FollowUpRow(name: "no time known: owed", outcome: "trusted", units: ["containerd.service"],
            lastRestart: ["containerd.service": t0 + 1], expected: .reload(["containerd.service"])),
        FollowUpRow(name: "already trusted through certs.d: check the engine reads it", outcome: "trusted", units: ["docker.service"],
            restartsEngines: false, expected: .checkCertsD),
        FollowUpRow(name: "a dry run owes nothing", outcome: "planned", units: ["containerd.service"], expected: .nothing),
        // Issue 16, item 6: a restart is owed only to an engine started before the bundle last changed.
        FollowUpRow(name: "already trusted, the engine started after the bundle changed: not stale roots, nothing owed", outcome: "trusted",
            units: ["containerd.service"], loggedAt: t0 + 100, started: ["containerd.service": t0 + 50], trustChanged: t0 + 10,
            expected: .notStaleRoots(started: ["containerd.service": t0 + 50], trustChanged: t0 + 10)),
        FollowUpRow(name: "installed before, the engine started after: nothing owed", outcome: "installedBefore", units: ["containerd.service"],
            started: ["containerd.service": t0 + 50], trustChanged: t0 + 10,
            expected: .notStaleRoots(started: ["containerd.service": t0 + 50], trustChanged: t0 + 10)),
        FollowUpRow(name: "already trusted, the engine started before the bundle changed: owed", outcome: "trusted", units: ["docker.service"],
            started: ["docker.service": t0], trustChanged: t0 + 10, expected: .reload(["docker.service"])),
        FollowUpRow(name: "started at the very moment of the change: owed", outcome: "trusted", units: ["docker.service"],
            started: ["docker.service": t0 + 10], trustChanged: t0 + 10, expected: .reload(["docker.service"])),
        FollowUpRow(name: "start not known: owed", outcome: "trusted", units: ["containerd.service"], trustChanged: t0 + 10,
            expected: .reload(["containerd.service"])),
        FollowUpRow(name: "bundle change not known: owed", outcome: "trusted", units: ["containerd.service"],
            started: ["containerd.service": t0 + 50], expected: .reload(["containerd.service"])),
        FollowUpRow(name: "only the engine that started before the change is owed", outcome: "trusted",
            units: ["containerd.service", "docker.service"], started: ["containerd.service": t0 + 50, "docker.service": t0],
            trustChanged: t0 + 10, expected: .reload(["docker.service"])),
        FollowUpRow(name: "an install still restarts an engine started after an earlier change", outcome: "installed",
            units: ["containerd.service"], started: ["containerd.service": t0 + 50], trustChanged: t0 + 10, expected: .restart(["containerd.service"])),
    ]

    @Test(arguments: followUps)
    func followUp(_ row: FollowUpRow) throws {
        let plan = try Self.plan(TestChain())
        let outcome: RepairOutcome = switch row.outcome {
        case "installed": .installed(plan, [])
        case "installedBefore": .alreadyInstalled(plan, [])
        case "trusted": .alreadyTrusted(plan.chain)
        default: .planned(plan)
        }
        let followUp = RepairFollowUp.after(
            outcome, units: row.units, loggedAt: row.loggedAt, lastRestart: row.lastRestart, restartsEngines: row.restartsEngines,
            started: row.started, trustChanged: row.trustChanged)
        #expect(followUp == row.expected)
    }

    // MARK: RestartSchedule

    static func unit(_ active: String = "active") -> UnitState {
        UnitState(loadState: "loaded", activeState: active, subState: "running", mainPID: 10, environment: [])
    }

    @Test func restartsWhatMayRunAndPostponesWhatRanRecently() {
        var config = Configuration()
        config.restartMinInterval = .seconds(600)
        let facts = EngineFacts(containerd: Self.unit(), docker: Self.unit(), dockerLiveRestore: true)
        let schedule = RestartSchedule(
            owed: ["containerd.service", "docker.service", "crio.service"], facts: facts, others: ["crio.service": Self.unit()],
            configuration: config, lastRestart: ["docker.service": Self.t0 - 100.5], now: Self.t0)
        #expect(schedule.steps == [
            .restart(unit: "containerd.service", warning: nil),
            .postponed(unit: "docker.service", until: Self.t0 + 499.5),
            .restart(unit: "crio.service", warning: nil),
        ])
        #expect(schedule.stillOwed == ["docker.service"])
        #expect(schedule.retryAfter == .seconds(500), "whole seconds, rounded up")
    }

    /// Item 6: an owed restart that waited (the minimum interval) is dropped when the engine has started
    /// since the bundle changed (systemd or the operator restarted it meanwhile); one started before still runs.
    @Test func anEngineStartedAfterTheBundleChangedIsOwedNothing() {
        var config = Configuration()
        config.restartDocker = .always
        func unit(started: Date) -> UnitState {
            UnitState(loadState: "loaded", activeState: "active", subState: "running", mainPID: 10, environment: [], mainStarted: started)
        }
        let facts = EngineFacts(containerd: unit(started: Self.t0 + 20), docker: unit(started: Self.t0), dockerLiveRestore: true)
        let schedule = RestartSchedule(
            owed: ["containerd.service", "docker.service", "crio.service"], facts: facts, others: ["crio.service": unit(started: Self.t0 + 30)],
            configuration: config, lastRestart: [:], now: Self.t0 + 60, trustChanged: Self.t0 + 10)
        #expect(schedule.steps == [
            .current(unit: "containerd.service", reason: RestartSchedule.alreadyCurrent(started: Self.t0 + 20, changed: Self.t0 + 10)),
            .restart(unit: "docker.service", warning: nil),
            .current(unit: "crio.service", reason: RestartSchedule.alreadyCurrent(started: Self.t0 + 30, changed: Self.t0 + 10)),
        ])
        #expect(schedule.stillOwed.isEmpty)
        let unknown = RestartSchedule(owed: ["containerd.service"], facts: facts, others: [:], configuration: config, lastRestart: [:], now: Self.t0)
        #expect(unknown.steps == [.restart(unit: "containerd.service", warning: nil)], "no bundle time: restarted as before")
    }

    @Test func whatMayNotRestartIsDroppedWithTheReason() {
        var config = Configuration()
        config.restartContainerd = .never
        let facts = EngineFacts(containerd: Self.unit(), docker: Self.unit(), dockerLiveRestore: false)
        let schedule = RestartSchedule(
            owed: ["containerd.service", "docker.service", "crio.service"], facts: facts, others: ["crio.service": Self.unit("failed")],
            configuration: config, lastRestart: [:], now: Self.t0)
        #expect(schedule.steps.count == 3 && schedule.stillOwed.isEmpty && schedule.retryAfter == nil)
        #expect(schedule.steps[0] == .notDone(unit: "containerd.service", reason: "restart.containerd is never"))
        guard case .notDone("docker.service", let reason) = schedule.steps[1] else {
            Issue.record("docker must not restart without live-restore: \(schedule.steps)")
            return
        }
        #expect(reason.contains("live-restore"))
        #expect(schedule.steps[2] == .notDone(unit: "crio.service", reason: "it is not running"))
    }

    @Test func restartDockerAlwaysRestartsItWithTheWarning() {
        var config = Configuration()
        config.restartDocker = .always
        let facts = EngineFacts(containerd: nil, docker: Self.unit(), dockerLiveRestore: false)
        let schedule = RestartSchedule(owed: ["docker.service"], facts: facts, others: [:], configuration: config, lastRestart: [:], now: Self.t0)
        guard case .restart("docker.service", let warning?) = schedule.steps.first else {
            Issue.record("docker restarts when asked for always: \(schedule.steps)")
            return
        }
        #expect(warning.contains("live-restore"))
    }

    // MARK: BatchPlan

    static func approval(_ port: Int, engine: Engine = .containerd, route: TrustRoute = .auto) throws -> Approval {
        let endpoint = try Endpoint(host: "registry.test", port: port)
        let detection = Detection(line: 0, endpoint: endpoint, engine: engine, reference: "registry.test:\(port)/app:1", path: "/v2/app/manifests/1")
        return Approval(endpoint: endpoint, detection: detection, rule: nil, choice: .topCA, pins: [], route: route, reason: "line", reportOnly: false)
    }

    static let reads = RouteFacts(
        containerd: ContainerdCoverage(covered: true, why: "config_path = \"/etc/containerd/certs.d\""), docker: DockerImageStore(daemonJSON: nil))

    @Test func eachApprovalGetsItsUnitsAndRoute() throws {
        let a = try Self.approval(5000)
        let b = try Self.approval(5001, engine: .kubelet)
        let c = try Self.approval(5002, route: .registry)
        let loggedBy = [a.endpoint: Set(["containerd.service", "docker.service"]), b.endpoint: ["kubelet.service"]]
        let plan = BatchPlan(approvals: [a, b, c], loggedBy: loggedBy, runtime: "crio.service", facts: Self.reads)
        #expect(plan.items.map(\.units) == [["containerd.service", "docker.service"], ["crio.service"], ["crio.service"]])
        #expect(plan.items[0].route.map(\.target) == .success(.registry(try RegistryHost(parsing: "registry.test:5000"), engines: [.containerd, .docker])))
        #expect(plan.items[1].route.map(\.target) == .success(.system), "CRI-O reads no certs.d: auto takes the system route")
        guard case .failure(let refusal) = plan.items[2].route else {
            Issue.record("route: registry must refuse for CRI-O")
            return
        }
        #expect(refusal.description.contains("crio.service reads no certs.d"))
    }

    @Test func withoutRegistryFactsEverythingTakesTheSystemRoute() throws {
        let plan = BatchPlan(
            approvals: [try Self.approval(5000), try Self.approval(5001, route: .registry)], loggedBy: [:], runtime: "containerd.service", facts: nil)
        #expect(plan.items[0].route == .success(RouteChoice(.system, why: "no registry route")))
        #expect(plan.items[1].route == .failure(RouteRefusal("this daemon has no registry route")))
    }

    @Test func groupsAreStableAndTheRuntimeIsTheFirstRunning() throws {
        let registry = try RegistryHost(parsing: "registry.test:5000")
        let groups = BatchPlan.groups([(.system, 1), (.registry(registry, engines: [.docker]), 2), (.system, 3)])
        #expect(groups.map(\.items) == [[2], [1, 3]], "sorted by description: registry (…) before system")
        #expect(BatchPlan.runtime(active: ["docker.service", "crio.service"]) == "crio.service")
        #expect(BatchPlan.runtime(active: []) == "containerd.service")
    }
}
