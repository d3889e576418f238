import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// Issue 17, item 4: the registry route does not wait for the batch; the system route still does.
extension CoordinatorScenarios {
    /// The engines' units with CRI-O running: a failure CRI-O logs takes the system route (it reads no
    /// `certs.d`), one containerd logs the registry route (`containerdReads`), both under `route: auto`.
    static func registryAndSystemRoute(_ rig: some CoordinatorRig) throws -> RepairCoordinator<ManualClock> {
        try rig.units(running: ["containerd.service", "crio.service"])
        return try rig.coordinator(routeFacts: containerdReads, allowLocalhost)
    }

    /// A registry-route failure is repaired with the clock where it was: inside the debounce window,
    /// while the system-route failure decided before it waits for the window and then gets its update
    /// tool and restart. The registry repair's end is saved (it is no longer pending).
    static func aRegistryRouteRepairDoesNotWaitForTheDebounce(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let b = try rig.server()
        let c = try registryAndSystemRoute(rig)
        await c.handle(failure(b.port, unit: "crio.service", position: "c1"))
        await c.handle(failure(a.port, unit: "containerd.service", position: "c2"))

        // The clock is not advanced: nothing but the registry route can act.
        try await eventually("the registry route's repair, saved") { try rig.state().pending.map(\.port) == [UInt16(b.port)] }
        let name = "trustmend-\(a.anchorSHA256).crt"
        #expect(rig.list("/etc/containerd/certs.d/localhost:\(a.port)") == [name])
        let installed = rig.logs.with(event: "installed")
        #expect(installed.count == 1 && installed.first?["route"] == "registry" && installed.first?["port"]?.description == "\(a.port)")
        #expect(rig.anchors().isEmpty, "the system route waits for the window")
        #expect(try rig.restarts().isEmpty)
        #expect(try rig.ledger().entries.map(\.port) == [UInt16(a.port)])

        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors() == ["trustmend-\(b.anchorSHA256).crt"])
        #expect(try rig.restarts() == [["crio.service", "replace"]])
        #expect(rig.logs.with(event: "installed").last?["route"] == "system")
        #expect(try rig.state().pending.isEmpty && rig.state().restartsOwed.isEmpty)
        #expect(Set(try rig.ledger().entries.map(\.state)) == [.installed])
    }

    /// A registry-route repair arriving while the system route's batch is in its update tool (a slow
    /// one): each ledger transaction loads the ledger, waits for the tool and saves over what it
    /// loaded, so they take turns; side by side one would lose the other's entry (or leave it pending,
    /// for the next start to roll back).
    static func aRegistryRepairDuringASystemBatchKeepsBothInTheLedger(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let b = try rig.server()
        try rig.slowUpdateTool()
        let c = try registryAndSystemRoute(rig)
        await c.handle(failure(a.port, unit: "crio.service", position: "c1"))
        rig.clock.advance(by: .seconds(5))
        // The system anchor is written, its entry pending, the update tool running.
        try await eventually("the system batch's install under way") { rig.anchors().count == 1 }
        await c.handle(failure(b.port, unit: "containerd.service", position: "c2"))
        await c.settle()
        #expect(rig.logs.with(event: "installed").count == 2)

        let entries = try rig.ledger().entries
        #expect(Set(entries.map(\.port)) == [UInt16(a.port), UInt16(b.port)], "\(entries)")
        #expect(entries.allSatisfy { $0.state == .installed }, "\(entries)")
        #expect(entries.first { $0.port == UInt16(b.port) }?.route == .registry)
        #expect(rig.list("/etc/containerd/certs.d/localhost:\(b.port)").count == 1)
        #expect(try rig.restarts() == [["crio.service", "replace"]])
        #expect(try rig.state().pending.isEmpty)
    }

    /// Stopping while a registry-route repair is in its ledger transaction finishes it, as a batch is
    /// finished: the entry installed, nothing pending. (On the fakes: their update tool's delay holds
    /// the registry route's transaction too.)
    static func shutdownFinishesTheRegistryRepairInProgress(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        try rig.slowUpdateTool()
        let c = try rig.coordinator(routeFacts: containerdReads, allowLocalhost)
        await c.handle(failure(a.port, unit: "containerd.service"))
        try await eventually("the registry route's install under way") { !rig.list("/etc/containerd/certs.d/localhost:\(a.port)").isEmpty }
        await c.shutdown()
        #expect(try rig.ledger().entries.map(\.state) == [.installed])
        #expect(rig.logs.with(event: "installed").count == 1)
        #expect(try rig.state().pending.isEmpty, "nothing left half done")
    }
}
