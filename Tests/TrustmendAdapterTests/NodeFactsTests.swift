import Foundation
import Testing
import TrustmendCore
import TrustmendStore

/// What fix, doctor and the daemon read from the node: files under a sandbox root, and units' states
/// from a systemd that answers from a table.
@Suite struct NodeFactsTests {
    let root = try! SandboxRoot()

    /// Answers `activeState` from its table; a unit not in it cannot be asked (systemd unreachable).
    struct TableSystemd: UnitRestarter {
        var units: [String: UnitState]

        func restart(unit: String, timeout: Duration) async throws -> RestartOutcome {
            RestartOutcome(unit: unit, job: "/job/1", result: "done")
        }

        func activeState(of unit: String) async throws -> UnitState {
            guard let state = units[unit] else { throw CancellationError() }
            return state
        }
    }

    static func state(_ active: String, pid: UInt32 = 0) -> UnitState {
        UnitState(loadState: "loaded", activeState: active, subState: active == "active" ? "running" : "dead", mainPID: pid, environment: [])
    }

    func facts(_ units: [String: UnitState]) -> NodeFacts {
        NodeFacts(root: NodeRoot(root.path), systemd: TableSystemd(units: units), containerdBinaries: [])
    }

    @Test func daemonJSONIsMissingInvalidOrParsed() throws {
        let facts = facts([:])
        #expect(facts.dockerDaemon() == .missing)
        #expect(!facts.dockerLiveRestore())
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": tru", mode: 0o644)
        #expect(facts.dockerDaemon() == .invalid)
        #expect(!facts.dockerLiveRestore())
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        #expect(facts.dockerDaemon() == .parsed(DockerDaemonConfig(liveRestore: true)))
        #expect(facts.dockerLiveRestore())
    }

    @Test func engineFactsNeedContainerdsStateButNotDockers() async throws {
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        let engines = try await facts(["containerd.service": Self.state("active", pid: 42)]).engineFacts()
        #expect(engines.containerd?.mainPID == 42)
        #expect(engines.docker == nil)
        #expect(engines.dockerLiveRestore)
        await #expect(throws: (any Error).self) { try await facts([:]).engineFacts() }
    }

    @Test func runningRegistryEnginesAreTheActiveOnesWithContainerdsPID() async {
        let running = await facts([
            "containerd.service": Self.state("inactive", pid: 0), "docker.service": Self.state("active", pid: 7),
        ]).runningRegistryEngines()
        #expect(running.engines == [.docker])
        #expect(running.containerdPID == 0)
        let both = await facts([
            "containerd.service": Self.state("active", pid: 9), "docker.service": Self.state("active", pid: 7),
        ]).runningRegistryEngines()
        #expect(both.engines == [.containerd, .docker])
        #expect(both.containerdPID == 9)
    }

    @Test func routeDetailsReadDaemonJSONUnderTheRoot() async throws {
        try root.write("/etc/docker/daemon.json", #"{"features": {"containerd-snapshotter": true}}"#, mode: 0o644)
        let details = await facts([:]).routeDetails()
        #expect(details.daemonJSON?.containerdSnapshotter == true)
        #expect(details.routeFacts.docker.containerdSnapshotter)
    }
}
