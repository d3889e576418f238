import Foundation
import Logging
import Testing
import TrustmendCore
import TrustmendDaemon

/// What a line must not be able to make the daemon do (issue 16, items 6, 8 and 9): restart an engine
/// that already has the roots, deny a genuine registry its repair, queue and fetch without bound.
/// Each reproduces the attack the issue describes; each failed on the code before its fix.
extension CoordinatorScenarios {
    static let insecureAlgorithm =
        " (possibly because of \\\"x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with GODEBUG=x509sha1=1)\\\")"

    static func capRefusals(_ rig: some CoordinatorRig) -> [Logger.Metadata] {
        rig.logs.with(event: "refused").filter { $0["why"]?.description.contains("installs per hour") == true }
    }

    /// Item 6: a line naming an allowed host whose chain is already trusted restarted containerd every
    /// `min_interval`. containerd started after the bundle last changed: no restart, said once. When the
    /// operator rebuilds the bundle (a change containerd has not read), its next failure is owed one.
    static func aLineAboutATrustedHostRestartsNothing(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator {
            try allowLocalhost(&$0)
            $0.restartMinInterval = .seconds(60)
        }
        await c.handle(failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try rig.restarts().count == 1)

        for _ in 0..<3 {
            rig.clock.advance(by: .seconds(61))
            await c.handle(failure(a.port))
            rig.clock.advance(by: .seconds(5))
            await c.settle()
        }
        #expect(try rig.restarts().count == 1, "the same line once per minimum interval restarts nothing")
        #expect(rig.anchors().count == 1)
        let refused = rig.logs.with(event: "refused")
        #expect(refused.count == 1, "said once per back-off period")
        #expect(refused.first?["why"]?.description.contains("containerd.service started at") == true)
        #expect(rig.logs.with(event: "restart-deferred").isEmpty, "not owed, so not deferred either")

        try rig.rebuildBundle()
        rig.clock.advance(by: .seconds(61))
        await c.handle(failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try rig.restarts().count == 2, "a bundle changed after containerd started: a stale-roots failure, restarted")
    }

    /// Item 6, the owed side: a restart postponed by the minimum interval is dropped when the engine
    /// restarts meanwhile without trustmend (the operator, systemd's `Restart=`): it then has the roots.
    static func aPostponedRestartIsDroppedOnceTheEngineRestartedElsewhere(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let b = try rig.server()
        let c = try rig.coordinator(allowLocalhost)
        await c.handle(failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        rig.clock.advance(by: .seconds(55))
        await c.handle(failure(b.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 2)
        #expect(try rig.restarts().count == 1)
        #expect(try rig.state().restartsOwed == ["containerd.service"], "postponed: the minimum interval")

        try rig.restartElsewhere("containerd.service")
        rig.clock.advance(by: .seconds(600))
        try await eventually("the owed restart is dropped") { try rig.state().restartsOwed.isEmpty }
        #expect(try rig.restarts().count == 1, "containerd has run since the bundle changed: no second restart")
    }

    /// Item 8: lines naming dead ports of an allowed host filled the hourly cap (queued approvals
    /// counted) and the genuine registry got "cap reached" plus the back-off. Only installs count now.
    static func deadPortsOfAnAllowedHostDenyNothing(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator {
            try allowLocalhost(&$0)
            $0.maxInstallsPerHour = 3
        }
        for _ in 0..<3 { await c.handle(failure(rig.deadPort())) }
        await c.handle(failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1, "the genuine registry is repaired")
        #expect(capRefusals(rig).isEmpty)
        #expect(rig.logs.with(event: "refused").count == 3, "the dead ports fail, each on its own")
    }

    /// Item 8: a refusal for the cap backed the registry off; now its next failure, once the cap has room,
    /// is repaired even though the back-off (two hours) has not ended.
    static func aCapRefusalIsNoBackOff(_ rig: some CoordinatorRig) async throws {
        let servers = try (0..<2).map { _ in try rig.server() }
        let c = try rig.coordinator {
            try allowLocalhost(&$0)
            $0.maxInstallsPerHour = 1
            $0.backoff = .seconds(7200)
        }
        for s in servers { await c.handle(failure(s.port)) }
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1)
        #expect(capRefusals(rig).count == 1)
        let capped = try #require(servers.first { s in capRefusals(rig).contains { $0["port"]?.description == "\(s.port)" } })

        await c.handle(failure(capped.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(capRefusals(rig).count == 1, "within the hour still the cap, not said again")

        rig.clock.advance(by: .seconds(3600))
        await c.handle(failure(capped.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 2, "an hour later the cap has room, and nothing held the registry off")
    }

    /// Item 8: one forged "insecure algorithm" line per back-off period silenced a registry for good.
    /// It is reported, once per back-off, and the registry's own failure is repaired.
    static func anUnfixableLineSilencesNothing(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(allowLocalhost)
        await c.handle(failure(a.port, suffix: insecureAlgorithm))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        let unfixable = rig.logs.with(event: "refused").filter { $0["why"]?.description.contains("signature algorithm") == true }
        #expect(unfixable.count == 1, "reported")

        await c.handle(failure(a.port))
        await c.handle(failure(a.port, suffix: insecureAlgorithm))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1, "the genuine failure is repaired at once")
        #expect(rig.logs.with(event: "refused").filter { $0["why"]?.description.contains("signature algorithm") == true }.count == 1,
            "the unfixable report is not repeated within the back-off")
    }

    /// Item 9: report mode, the package default, queued and fetched every distinct allowed host (60,000
    /// took 155 MB). Five thousand hosts in one batch window: sixteen are fetched, the rest are dropped
    /// and said once, with the count; more floods within the hour never pass the hourly budget.
    static func reportModeStaysBoundedUnderAFloodOfDistinctHosts(_ rig: some CoordinatorRig) async throws {
        let c = try rig.coordinator {
            $0.mode = .report
            $0.allow = [AllowRule(host: try HostPattern("*.flood.example"))]
        }
        for i in 0..<5000 { await c.handle(failure(5000, host: "h\(i).flood.example")) }
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        let fetchedFirst = rig.logs.with(event: "refused").filter { $0["error"] != nil }.count
        #expect(fetchedFirst == FetchBudget.defaultWaiting, "one batch fetches what its source may have waiting")
        let dropped = rig.logs.with(event: "refused").filter { $0["dropped"] != nil }
        #expect(dropped.count == 1)
        #expect(dropped.first?["dropped"]?.description == "\(5000 - FetchBudget.defaultWaiting)")
        #expect(dropped.first?["source"]?.description == "the journal")

        for round in 0..<20 {
            for i in 0..<500 { await c.handle(failure(5000, host: "r\(round)-\(i).flood.example")) }
            rig.clock.advance(by: .seconds(5))
            await c.settle()
        }
        let fetched = rig.logs.with(event: "refused").filter { $0["error"] != nil }.count
        #expect(fetched == FetchBudget.defaultPerHour, "at most \(FetchBudget.defaultPerHour) fetches in the hour")
        if let ports = rig.fetchedPorts() { #expect(ports.count == FetchBudget.defaultPerHour) }
        #expect(rig.logs.with(event: "refused").filter { $0["dropped"] != nil }.count == 1, "said once per back-off period, not per host")
    }
}
