import Testing
@testable import TrustmendCore

@Suite struct RestartPlannerTests {
    static func unit(_ active: String = "active", stopsWith: [String] = []) -> UnitState {
        UnitState(loadState: "loaded", activeState: active, subState: "running", mainPID: 10, environment: [], stopsWith: stopsWith)
    }
    static let missing = UnitState(loadState: "not-found", activeState: "inactive", subState: "dead", mainPID: 0, environment: [])

    @Test func autoRestartsContainerdAndDefersDockerWithoutLiveRestore() {
        let facts = EngineFacts(containerd: Self.unit(), docker: Self.unit(), dockerLiveRestore: false)
        let plan = RestartPlanner.plan(.auto, facts: facts)
        #expect(plan.count == 2)
        #expect(plan[0] == .restart(unit: "containerd.service", warning: nil))
        guard case .skip("docker.service", let reason) = plan[1] else {
            Issue.record("docker must be deferred: \(plan)")
            return
        }
        #expect(reason.contains("live-restore"))
    }

    @Test func autoRestartsDockerWithLiveRestore() {
        let facts = EngineFacts(containerd: Self.missing, docker: Self.unit(), dockerLiveRestore: true)
        #expect(RestartPlanner.plan(.auto, facts: facts) == [.restart(unit: "docker.service", warning: nil)])
    }

    @Test func autoDoesNotRestartContainerdWhenDockerStopsWithIt() {
        let facts = EngineFacts(
            containerd: Self.unit(), docker: Self.unit(stopsWith: ["containerd.service"]), dockerLiveRestore: false)
        let plan = RestartPlanner.plan(.auto, facts: facts)
        #expect(plan.allSatisfy { if case .skip = $0 { true } else { false } })
        #expect(plan.first?.description.contains("stops with containerd") == true)
    }

    @Test func explicitDockerRestartsWithAWarning() {
        let facts = EngineFacts(containerd: nil, docker: Self.unit(), dockerLiveRestore: false)
        guard case .restart("docker.service", let warning?) = RestartPlanner.plan(.docker, facts: facts).first else {
            Issue.record("an explicit --restart docker must restart")
            return
        }
        #expect(warning.contains("stops every container"))
    }

    @Test func inactiveOrMissingUnitsAreNotRestarted() {
        let facts = EngineFacts(containerd: Self.unit("inactive"), docker: Self.missing, dockerLiveRestore: true)
        #expect(RestartPlanner.plan(.auto, facts: facts) == [.skip(unit: "containerd.service", reason: "it is inactive, not running")])
        #expect(RestartPlanner.plan(.none, facts: facts).isEmpty)
        guard case .skip = RestartPlanner.plan(.docker, facts: facts).first else {
            Issue.record("a missing docker cannot be restarted")
            return
        }
    }

    @Test(arguments: [
        ("{\"live-restore\": true, \"log-driver\": \"json-file\"}", true), ("{}", false), ("{\"live-restore\": false}", false),
    ])
    func readsLiveRestore(json: String, expected: Bool) throws {
        #expect(try DockerDaemonConfig(parsing: Array(json.utf8)).liveRestore == expected)
    }

    @Test func badDaemonJSONThrows() {
        #expect(throws: (any Error).self) { try DockerDaemonConfig(parsing: Array("{live-restore: yes".utf8)) }
    }
}
