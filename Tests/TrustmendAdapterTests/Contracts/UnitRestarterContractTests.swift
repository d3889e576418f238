import Foundation
import Testing
import TrustmendCore
import TrustmendSystemd
import TrustmendTesting

/// `FakeUnitRestarter` held to `SystemdUnitRestarter` over a private dbus-daemon with the systemd
/// stand-in (python3-dbusmock): the same units, the same answers.
@Suite struct UnitRestarterContractTests {
    struct Subject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () throws -> (restarter: any UnitRestarter, keep: PrivateBus?)
    }

    static var subjects: [Subject] {
        let fake = Subject(testDescription: "FakeUnitRestarter") {
            (FakeUnitRestarter(units: [
                "containerd.service": .init(pid: 100, environment: ["HTTPS_PROXY=http://proxy.corp:3128", "NO_PROXY=.corp"], started: started),
                "docker.service": .init(pid: 200, stopsWith: ["containerd.service"], startLimit: dockerLimit),
                "broken.service": .init(pid: 400, result: "failed"),
                "crio.service": .init(active: "inactive", pid: 0),
            ]), nil)
        }
        let real = Subject(testDescription: "SystemdUnitRestarter") {
            let bus = try PrivateBus(units: [
                "containerd.service": [
                    "active": "active", "pid": 100, "env": ["HTTPS_PROXY=http://proxy.corp:3128", "NO_PROXY=.corp"], "started": 1_700_000_000_123_456,
                ],
                "docker.service": ["active": "active", "pid": 200, "stops_with": ["containerd.service"], "start_limit": [3, 60_000_000]],
                "broken.service": ["active": "active", "pid": 400, "result": "failed"],
                "crio.service": ["active": "inactive", "pid": 0],
            ])
            return (SystemdUnitRestarter(address: bus.address), bus)
        }
        // The real restarter needs dbus-daemon and python3-dbusmock (installed wherever test.sh runs).
        return [fake] + (PrivateBus.available ? [real] : [])
    }

    /// docker.service's shipped start limit (FACTS §24).
    static let dockerLimit = StartLimit(burst: 3, interval: .seconds(60))

    /// containerd's main process start in both: 2023-11-14T22:13:20.123456Z (`ExecMainStartTimestamp`, µs).
    static let started = Date(timeIntervalSince1970: 1_700_000_000.123456)

    @Test(arguments: subjects)
    func readsWhatSystemdKnowsOfAUnit(_ subject: Subject) async throws {
        let (restarter, bus) = try subject.make()
        let containerd = try await restarter.activeState(of: "containerd.service")
        #expect(containerd.exists && containerd.isActive && containerd.mainPID == 100)
        #expect(containerd.environment == ["HTTPS_PROXY=http://proxy.corp:3128", "NO_PROXY=.corp"])
        // When the engine's main process started decides whether it has the bundle's roots (issue 16, item 6).
        #expect(abs((containerd.mainStarted ?? .distantPast).timeIntervalSince(Self.started)) < 0.000_01)
        let docker = try await restarter.activeState(of: "docker.service")
        #expect(docker.stopsWith == ["containerd.service"])
        // What restarts may run without taking docker into its start limit (issue 19, item 3).
        #expect(docker.startLimit == Self.dockerLimit)
        #expect(containerd.startLimit == nil, "not said: no limit known")
        let crio = try await restarter.activeState(of: "crio.service")
        #expect(crio.exists && !crio.isActive && crio.mainStarted == nil)
        let missing = try await restarter.activeState(of: "nope.service")
        #expect(!missing.exists && !missing.isActive && missing.mainPID == 0 && missing.mainStarted == nil)
        withExtendedLifetime(bus) {}
    }

    @Test(arguments: subjects)
    func aRestartEndsAsItsJobEnds(_ subject: Subject) async throws {
        let (restarter, bus) = try subject.make()
        let before = Date()
        let done = try await restarter.restart(unit: "containerd.service", timeout: .seconds(10))
        #expect(done.succeeded && done.unit == "containerd.service" && done.job.hasPrefix("/org/freedesktop/systemd1/job/"))
        let after = try await restarter.activeState(of: "containerd.service")
        #expect(after.mainPID == 1100, "a new process")
        #expect((after.mainStarted ?? .distantPast) >= before.addingTimeInterval(-0.001), "started at the restart")
        #expect(after.mainStarted.map { $0 <= Date() } == true)
        let failed = try await restarter.activeState(of: "broken.service").mainStarted
        _ = try await restarter.restart(unit: "broken.service", timeout: .seconds(10))
        #expect(try await restarter.activeState(of: "broken.service").mainStarted == failed, "a failed restart starts nothing")
        let refused = try await restarter.restart(unit: "broken.service", timeout: .seconds(10))
        #expect(!refused.succeeded && refused.result == "failed", "a failed job is reported, not thrown")
        await #expect(throws: (any Error).self) { try await restarter.restart(unit: "nope.service", timeout: .seconds(5)) }
        withExtendedLifetime(bus) {}
    }
}
