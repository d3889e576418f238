import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon

/// The state file, shutdown, crashes and the registry route.
extension CoordinatorScenarios {
    /// The state directory cannot be written (here its path runs through a file): repairs go on, the
    /// failure is logged once, not at every record, and once a save works again that is said too.
    static func anUnwritableStateIsLoggedOnceAndRepairsGoOn(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let b = try rig.server()
        let directory = NSTemporaryDirectory() + "trustmend-state-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let c = try rig.coordinator(stateDirectory: directory, allowLocalhost)
        // Gone while the daemon runs (a file where the directory was: ENOTDIR even for root).
        try FileManager.default.removeItem(atPath: directory)
        try "not a directory".write(toFile: directory, atomically: true, encoding: .utf8)
        for port in [a.port, b.port, a.port, b.port] { await c.handle(failure(port)) }
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 2, "both repaired")
        #expect(try rig.restarts().count == 1)
        #expect(rig.logs.with(event: "source-problem").count == 1, "logged once")
        #expect(rig.logs.with(event: "source-problem").first?["error"]?.description.contains("Not a directory") == true)

        try FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        await c.handle(failure(9, unit: "containerd.service"))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(FileManager.default.fileExists(atPath: directory + "/state.json"))
        #expect(rig.logs.events.withLock { $0.contains { $0.message == "the state is saved again" } })
        #expect(rig.logs.with(event: "source-problem").count == 1)
    }

    static func shutdownFinishesTheBatchInProgress(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        // A slow update tool keeps the batch in progress while the daemon is told to stop.
        try rig.slowUpdateTool()
        let c = try rig.coordinator(allowLocalhost)
        await c.handle(failure(a.port))
        rig.clock.advance(by: .seconds(5))
        try await eventually("the batch starts") { await c.batchesRun == 1 }
        await c.shutdown()
        #expect(rig.anchors().count == 1)
        #expect(rig.logs.with(event: "verified").count == 1)
        #expect(try rig.state().pending.isEmpty, "nothing left half done")
    }

    static func shutdownWhileCollectingKeepsTheBatchForTheNextStart(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(allowLocalhost)
        await c.handle(failure(a.port))
        await c.shutdown()
        rig.clock.advance(by: .seconds(5))
        #expect(rig.anchors().isEmpty)
        #expect(try rig.state().pending.count == 1)
    }

    static func aPendingRepairSurvivesACrash(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        do {
            let c = try rig.coordinator(allowLocalhost)
            await c.handle(failure(a.port, position: "c9"))
            // The process dies here: no flush.
        }
        let state = try rig.state()
        #expect(state.pending.count == 1 && state.journalCursor == "c9")
        let restarted = try rig.coordinator(allowLocalhost)
        await restarted.resume()
        #expect(rig.anchors().count == 1)
        #expect(try rig.restarts().count == 1)
        #expect(try rig.state().pending.isEmpty)
    }

    /// Killed after the update tool ran and before the ledger said "installed" (the crash test found it):
    /// the anchor is on disk and in the bundle, the ledger entry pending. The next start rolls it back and
    /// the resumed repair installs and records it again.
    static func anInstallACrashLeftUnfinishedIsRolledBackAndRedone(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        do {
            let c = try rig.coordinator(allowLocalhost)
            await c.handle(failure(a.port, position: "c9"))
        }
        let file = try await rig.leaveUnfinishedInstall(a)

        let restarted = try rig.coordinator(allowLocalhost)
        await restarted.resume()
        #expect(rig.logs.with(event: "rolled-back").count == 1)
        let entries = try rig.ledger().entries
        #expect(entries.count == 1 && entries.first?.state == .installed, "\(entries)")
        #expect(rig.anchors() == [String(file.split(separator: "/").last!)])
        #expect(try rig.restarts().count == 1)
    }

    // MARK: Routes

    static let containerdReads = RouteFacts(
        containerd: ContainerdCoverage(covered: true, why: "config_path = \"/etc/containerd/certs.d\""),
        docker: DockerImageStore(daemonJSON: nil))
    static let containerdIgnores = RouteFacts(
        containerd: ContainerdCoverage(covered: false, why: "config_path is not set"), docker: DockerImageStore(daemonJSON: nil))

    /// containerd fails, then docker on the same registry: each engine's `certs.d` is written as its failure
    /// is decided (the registry route does not wait for the debounce window), one ledger entry lists both.
    static func theRegistryRouteWritesCertsDAndRestartsNothing(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: containerdReads, allowLocalhost)
        await c.handle(failure(a.port, unit: "containerd.service", position: "c1"))
        await c.settle()
        await c.handle(failure(a.port, unit: "docker.service", position: "c2"))
        await c.settle()
        let name = "trustmend-\(a.anchorSHA256).crt"
        #expect(rig.list("/etc/containerd/certs.d/localhost:\(a.port)") == [name])
        #expect(rig.list("/etc/docker/certs.d/localhost:\(a.port)") == [name])
        #expect(rig.anchors().isEmpty, "nothing in the system anchor directory")
        #expect(try rig.restarts().isEmpty, "no restart on the registry route")
        #expect(try rig.state().restartsOwed.isEmpty)
        let installed = rig.logs.with(event: "installed")
        #expect(installed.count == 2 && installed.allSatisfy { $0["route"] == "registry" })
        #expect(try rig.ledger().entries.count == 1)
        let entry = try #require(try rig.ledger().entries.first)
        #expect(entry.route == .registry && entry.registry == "localhost:\(a.port)")
        #expect(Set(entry.directories ?? []) == ["/etc/containerd/certs.d/localhost:\(a.port)", "/etc/docker/certs.d/localhost:\(a.port)"])
    }

    static func autoTakesTheSystemRouteWhereContainerdIgnoresCertsD(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: containerdIgnores, allowLocalhost)
        await c.handle(failure(a.port, unit: "containerd.service"))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1)
        #expect(rig.list("/etc/containerd/certs.d").isEmpty)
        #expect(try rig.restarts() == [["containerd.service", "replace"]])
        #expect(rig.logs.with(event: "installed").first?["route_reason"]?.description.contains("config_path is not set") == true)
    }

    static func routeRegistryRefusesWhatTheEngineWouldNotRead(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: containerdIgnores) {
            $0.allow = [AllowRule(host: try HostPattern("localhost"), route: .registry)]
        }
        await c.handle(failure(a.port, unit: "containerd.service"))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().isEmpty && rig.list("/etc/containerd/certs.d").isEmpty)
        #expect(try rig.restarts().isEmpty)
        let refused = rig.logs.with(event: "refused")
        #expect(refused.count == 1 && refused[0]["why"]?.description.contains("config_path is not set") == true)
    }

    /// A repair left pending, here by a daemon without the registry route stopped inside the debounce
    /// window (a crash leaves the same), resumes on the registry route once the facts say it serves.
    static func aPendingRegistryRepairResumesOnTheRegistryRoute(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let first = try rig.coordinator(allowLocalhost)
        await first.handle(failure(a.port, unit: "docker.service"))
        await first.shutdown()  // inside the debounce window: the approval stays pending in the state file
        #expect(try rig.state().pending.first?.reference == "localhost:\(a.port)/app:1")

        let second = try rig.coordinator(routeFacts: containerdReads, allowLocalhost)
        await second.resume()
        #expect(rig.list("/etc/docker/certs.d/localhost:\(a.port)").count == 1)
        #expect(rig.anchors().isEmpty)
    }
}
