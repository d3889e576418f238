import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// Issue 19, item 3: three quick repairs that each need docker restarted, with docker.service's burst of
/// 3 (FACTS §24): trustmend restarts it twice, keeps the third start spare for docker's own `Restart=`,
/// says why in `restart-deferred`, and restarts it once the first restart has left the window — even
/// across a restart of trustmend, and whatever `restart.min_interval` says. The interval is an hour, not
/// docker's minute: the restarted coordinator's wall clock starts from the real time, and a loaded
/// machine can take a minute between the two coordinators (the full suite did).
@Suite struct StartLimitCoordinatorTests {
    @Test func quickRepairsNeverRestartDockerIntoItsStartLimit() async throws {
        try await Self.quickRepairsNeverRestartDockerIntoItsStartLimit(FakeRig())
    }

    @Test(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
    func quickRepairsNeverRestartDockerIntoItsStartLimitOnTheBus() async throws {
        try await Self.quickRepairsNeverRestartDockerIntoItsStartLimit(BusRig())
    }

    static func quickRepairsNeverRestartDockerIntoItsStartLimit(_ rig: some StartLimitRig) async throws {
        try rig.limitDocker(StartLimit(burst: 3, interval: .seconds(3600)))
        try rig.enableLiveRestore()
        let servers = try (0..<3).map { _ in try rig.server() }
        func configure(_ config: inout Configuration) throws {
            try CoordinatorScenarios.allowLocalhost(&config)
            config.restartMinInterval = .seconds(1)  // the minimum interval would allow a restart every second
        }
        let first = try rig.coordinator(configure)
        for (i, server) in servers.prefix(2).enumerated() {
            await first.handle(CoordinatorScenarios.failure(server.port, unit: "docker.service", position: "c\(i)"))
            rig.clock.advance(by: .seconds(5))
            await first.settle()
        }
        #expect(try rig.restarts() == [["docker.service", "replace"], ["docker.service", "replace"]])
        #expect(try rig.state().starts["docker.service"]?.times.count == 2, "both restarts are kept in the state file")
        await first.shutdown()

        // trustmend restarts (same state file); the third repair comes 5 s later.
        let second = try rig.coordinator(configure)
        await second.resume()
        await second.handle(CoordinatorScenarios.failure(servers[2].port, unit: "docker.service", position: "c2"))
        rig.clock.advance(by: .seconds(5))
        await second.settle()
        #expect(rig.anchors().count == 3)
        #expect(try rig.restarts().count == 2, "a third start now would leave none for docker's Restart=")
        let deferred = rig.logs.with(event: "restart-deferred")
        try #require(deferred.count == 1)
        #expect(deferred[0]["reason"]?.description == "start-limit")
        #expect(deferred[0]["started"]?.description == "2" && deferred[0]["limit"]?.description == "3")
        #expect(deferred[0]["interval"]?.description == "3600s" && deferred[0]["until"] != nil)
        let said = rig.logs.events.withLock { $0.first { $0.metadata["event"]?.description == "restart-deferred" }?.message } ?? ""
        #expect(said.hasPrefix("docker.service has started 2 times in the last 3600s and allows 3 (StartLimitBurst): "), "\(said)")
        #expect(said.contains("; retrying at "), "\(said)")
        #expect(try rig.state().restartsOwed == ["docker.service"], "still owed")

        // Retried by itself once the first restart has left the window.
        rig.clock.advance(by: .seconds(3700))
        // Asked for (the bus records the call at once), then no longer owed once the job has ended.
        try await eventually("the deferred restart") { try rig.restarts().count == 3 && rig.state().restartsOwed.isEmpty }
        #expect(try rig.restarts().count == 3)
        #expect(rig.logs.with(event: "restart-deferred").count == 1)
    }
}

/// A rig whose docker.service reports a start limit, and whose main process started long ago (a day:
/// outside the window).
protocol StartLimitRig: CoordinatorRig {
    func limitDocker(_ limit: StartLimit) throws
}

extension FakeRig: StartLimitRig {
    func limitDocker(_ limit: StartLimit) throws {
        restarter.set("docker.service", .init(pid: 20, started: Date() - 86400, startLimit: limit))
    }
}

extension BusRig: StartLimitRig {
    func limitDocker(_ limit: StartLimit) throws {
        let usec = limit.interval.components.seconds * 1_000_000
        bus = try PrivateBus(units: [
            "containerd.service": ["pid": 10],
            "docker.service": ["pid": 20, "started": Int64((Date().timeIntervalSince1970 - 86400) * 1e6), "start_limit": [Int(limit.burst), Int(usec)]],
        ])
    }
}
