import Foundation
import Logging
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendStore
import TrustmendSystemd
import TrustmendTLS
import TrustmendTesting

/// The daemon's decisions and restarts with real components — loopback TLS servers, the real
/// update-ca-certificates on a sandbox root, the systemd stand-in on a private bus — and a manual
/// clock, so batching, rate limits and back-off are driven without sleeping.
@Suite(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
struct RepairCoordinatorTests {
    let pki = try! TestPKI()
    let root = try! SandboxRoot()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])
    let clock = ManualClock()
    let logs = CapturingLogHandler.Store()

    func coordinator(
        bus: PrivateBus? = nil, tool: String? = nil, routeFacts: RouteFacts? = nil, statePath: String? = nil,
        _ edit: (inout Configuration) throws -> Void
    ) throws -> RepairCoordinator<ManualClock> {
        var config = Configuration()
        config.mode = .enforce
        config.debounce = .seconds(5)
        config.restartMinInterval = .seconds(600)
        config.connectTimeout = .seconds(3)
        config.handshakeTimeout = .seconds(3)
        config.proxy = .none
        try edit(&config)
        let root = self.root
        var facts: @Sendable () async -> RouteFacts = DaemonWiring.noRegistryRoute
        if let routeFacts { facts = { @Sendable in routeFacts } }
        var registryStore: (@Sendable (RegistryHost, [RegistryEngine]) -> any AnchorStore)?
        if routeFacts != nil {
            registryStore = { registry, engines in
                RegistryAnchorStore(root: root.path, registry: registry, engines: engines, systemBundlePath: "/etc/ssl/certs/ca-certificates.crt")
            }
        }
        let wiring = DaemonWiring(
            scanner: LogScanner(), profile: .profile(for: .debian), fetcher: OpenSSLChainFetcher(),
            makeRepairer: { config in
                Repairer(
                    fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
                    store: SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolOverride: tool, toolTimeout: config.updateToolTimeout),
                    ledger: JSONLedgerStore(root: root.path), profile: .profile(for: .debian))
            },
            systemd: SystemdUnitRestarter(address: (bus ?? self.bus).address), state: JSONStateStore(path: statePath ?? root.file("/var/lib/trustmend/state.json")),
            dockerLiveRestore: { FileManager.default.fileExists(atPath: root.file("/etc/docker/daemon.json")) }, engineProxy: { _, _ in nil },
            routeFacts: facts, makeRegistryStore: registryStore)
        let store = logs
        return try RepairCoordinator(
            configuration: config, wiring: wiring, clock: clock, logger: Logger(label: "test") { _ in CapturingLogHandler(store: store) })
    }

    static func failure(_ port: Int, unit: String = "containerd.service", uid: UInt32 = 0, position: String = "c") -> LogRecord {
        LogRecord(
            message: "level=error msg=\"PullImage \\\"localhost:\(port)/app:1\\\" failed\" error=\"failed to do request: Head \\\"https://localhost:\(port)/v2/app/manifests/1\\\": tls: failed to verify certificate: x509: certificate signed by unknown authority\"",
            origin: .journal(unit: unit, uid: uid), position: position)
    }

    func anchors() -> [String] { root.list("/usr/local/share/ca-certificates") }

    @Test func aBatchInstallsEveryAnchorAndRestartsContainerdOnce() async throws {
        let a = try TestServer.tls(pki: pki)
        let b = try TestServer.tls(pki: try TestPKI())
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, position: "c1"))
        clock.advance(by: .seconds(1))
        await c.handle(Self.failure(b.port, position: "c2"))
        await c.handle(Self.failure(a.port, position: "c3"))  // the same endpoint again: queued once
        #expect(anchors().isEmpty, "nothing happens inside the debounce window")
        #expect(try bus.calls("RestartUnit").isEmpty)

        clock.advance(by: .seconds(4))
        await c.settle()
        #expect(anchors().count == 2)
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]])
        #expect(logs.with(event: "installed").count == 2)
        #expect(logs.with(event: "restart-completed").count == 1)
        #expect(try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load().journalCursor == "c3")
    }

    @Test func restartsRespectTheMinimumIntervalAndHappenLater() async throws {
        let a = try TestServer.tls(pki: pki)
        let b = try TestServer.tls(pki: try TestPKI())
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit").count == 1)

        clock.advance(by: .seconds(55))
        await c.handle(Self.failure(b.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 2)
        #expect(try bus.calls("RestartUnit").count == 1, "a second restart within 10 minutes waits")
        #expect(logs.with(event: "restart-deferred").count == 1)

        clock.advance(by: .seconds(600))
        try await eventually("the postponed restart") { try bus.calls("RestartUnit").count == 2 }
    }

    @Test func forgedAndForeignEntriesCauseNothing() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "user@1000.service", uid: 1000))
        await c.handle(Self.failure(a.port, unit: "containerd.service", uid: 1000))
        await c.handle(Self.failure(a.port, unit: "evil.service", uid: 0))
        clock.advance(by: .seconds(10))
        await c.settle()
        #expect(anchors().isEmpty)
        #expect(try bus.calls("RestartUnit").isEmpty)
        #expect(logs.events.withLock { $0.allSatisfy { $0.level <= .debug || $0.metadata["event"] == nil } })
    }

    @Test func aHostOutsideThePolicyIsReportedWithTheCommandOnce() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("registry.corp.example"))] }
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        let reports = logs.with(event: "reported")
        #expect(reports.count == 1)
        let command = reports.first?["command"]?.description ?? ""
        #expect(command == "trustmend fix localhost:\(a.port) --expect-sha256 \(try pki.sha256("int.pem"))")
        #expect(anchors().isEmpty)
        #expect(try bus.calls("RestartUnit").isEmpty)
    }

    @Test func reportModeInstallsNothing() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator {
            $0.mode = .report
            $0.allow = [AllowRule(host: try HostPattern("localhost"))]
        }
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().isEmpty)
        #expect(logs.with(event: "reported").first?["command"]?.description.contains("--expect-sha256") == true)
    }

    @Test func theHourlyCapHoldsWithinOneBatch() async throws {
        let servers = try (0..<3).map { _ in try TestServer.tls(pki: try TestPKI()) }
        let c = try coordinator {
            $0.allow = [AllowRule(host: try HostPattern("localhost"))]
            $0.maxInstallsPerHour = 2
        }
        for s in servers { await c.handle(Self.failure(s.port)) }
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 2)
        #expect(logs.with(event: "refused").map { $0["why"]?.description } == ["the cap of 2 installs per hour is reached"])
        #expect(try bus.calls("RestartUnit").count == 1)

        // A registry repaired in that batch fails again: past the cap it is still checked and found
        // installed, not refused "for the cap" (it was, before the veto).
        let repaired = try #require(servers.first { s in logs.with(event: "installed").contains { $0["port"]?.description == "\(s.port)" } })
        await c.handle(Self.failure(repaired.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(logs.with(event: "refused").count == 1)
        #expect(anchors().count == 2)
    }

    @Test func anUnreachableHostFailsOnceAndIsBackedOff() async throws {
        let dead = freePort()
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(dead))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(logs.with(event: "refused").count == 1)
        await c.handle(Self.failure(dead))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(logs.with(event: "refused").count == 1, "left alone during its back-off")
        #expect(anchors().isEmpty)
        #expect(try bus.calls("RestartUnit").isEmpty)
    }

    @Test(arguments: [
        (["containerd.service", "crio.service"], "containerd.service"),
        (["crio.service"], "crio.service"),
        (["docker.service"], "docker.service"),  // cri-dockerd
    ])
    func aKubeletFailureRestartsTheRuntimeInUse(running: [String], expected: String) async throws {
        let a = try TestServer.tls(pki: pki)
        var units: [String: [String: Any]] = [:]
        for unit in ["containerd.service", "crio.service", "docker.service"] {
            units[unit] = ["pid": 10, "active": running.contains(unit) ? "active" : "inactive"]
        }
        let bus = try PrivateBus(units: units)
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        let c = try coordinator(bus: bus) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "kubelet.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit") == [[expected, "replace"]])
    }

    @Test func twoEnginesFailingOnOneRegistryAreBothRestarted() async throws {
        let a = try TestServer.tls(pki: pki)
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "containerd.service"))
        await c.handle(Self.failure(a.port, unit: "docker.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 1)
        #expect(Set(try bus.calls("RestartUnit").map { $0[0] }) == ["containerd.service", "docker.service"])
    }

    @Test func anAlreadyTrustedChainIsNotBackedOff() async throws {
        // docker deferred (no live-restore); once the operator enables it, the next failure restarts docker.
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "docker.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 1)
        #expect(logs.with(event: "restart-deferred").count == 1)
        // Failing again: the bundle already trusts the chain, only the restart is owed (deferred again).
        await c.handle(Self.failure(a.port, unit: "docker.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(logs.with(event: "restart-deferred").count == 2)
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        await c.handle(Self.failure(a.port, unit: "docker.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit") == [["docker.service", "replace"]])
    }

    /// A failure logged before trustmend restarted the engine, read only afterwards (after a crash, or
    /// behind a burst), came from the process with the old roots: no second restart (the crash test found
    /// containerd restarted twice). One logged after the restart still gets one.
    @Test func aFailureLoggedBeforeTheRestartOwesNoOther() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator {
            $0.allow = [AllowRule(host: try HostPattern("localhost"))]
            $0.restartMinInterval = .seconds(1)
        }
        let before = Date()
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit").count == 1)

        var late = Self.failure(a.port)
        late.loggedAt = before
        await c.handle(late)
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit").count == 1, "the old process's failure owes nothing")
        #expect(logs.with(event: "restart-deferred").isEmpty)

        var fresh = Self.failure(a.port)
        fresh.loggedAt = Date().addingTimeInterval(60)  // after the restart, on the wall clock the coordinator keeps
        await c.handle(fresh)
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try bus.calls("RestartUnit").count == 2, "a failure after the restart: the engine still fails")
    }

    /// The state directory cannot be written (here its path runs through a file): repairs go on, the
    /// failure is logged once, not at every record, and once a save works again that is said too.
    @Test func anUnwritableStateIsLoggedOnceAndRepairsGoOn() async throws {
        let a = try TestServer.tls(pki: pki)
        let b = try TestServer.tls(pki: try TestPKI())
        try FileManager.default.createDirectory(atPath: root.file("/state-here"), withIntermediateDirectories: true)
        let c = try coordinator(statePath: root.file("/state-here/state.json")) {
            $0.allow = [AllowRule(host: try HostPattern("localhost"))]
        }
        // Gone while the daemon runs (a file where the directory was: ENOTDIR even for root).
        try FileManager.default.removeItem(atPath: root.file("/state-here"))
        try root.write("/state-here", "not a directory", mode: 0o644)
        for port in [a.port, b.port, a.port, b.port] { await c.handle(Self.failure(port)) }
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 2, "both repaired")
        #expect(try bus.calls("RestartUnit").count == 1)
        #expect(logs.with(event: "source-problem").count == 1, "logged once")
        #expect(logs.with(event: "source-problem").first?["error"]?.description.contains("Not a directory") == true)

        try FileManager.default.removeItem(atPath: root.file("/state-here"))
        try FileManager.default.createDirectory(atPath: root.file("/state-here"), withIntermediateDirectories: true)
        await c.handle(Self.failure(9, unit: "containerd.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(FileManager.default.fileExists(atPath: root.file("/state-here/state.json")))
        #expect(logs.events.withLock { $0.contains { $0.message == "the state is saved again" } })
        #expect(logs.with(event: "source-problem").count == 1)
    }

    @Test func shutdownFinishesTheBatchInProgress() async throws {
        let a = try TestServer.tls(pki: pki)
        // A slow update tool keeps the batch in progress while the daemon is told to stop.
        try root.write("/slow-tool", """
            #!/bin/sh
            sleep 1
            cat "$TRUSTMEND_ROOT"/usr/local/share/ca-certificates/*.crt > "$TRUSTMEND_ROOT"/etc/ssl/certs/ca-certificates.crt
            """)
        let c = try coordinator(tool: root.file("/slow-tool")) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port))
        clock.advance(by: .seconds(5))
        try await eventually("the batch starts") { await c.batchesRun == 1 }
        await c.shutdown()
        #expect(anchors().count == 1)
        #expect(logs.with(event: "verified").count == 1)
        let state = try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load()
        #expect(state.pending.isEmpty, "nothing left half done")
    }

    @Test func shutdownWhileCollectingKeepsTheBatchForTheNextStart() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port))
        await c.shutdown()
        clock.advance(by: .seconds(5))
        #expect(anchors().isEmpty)
        #expect(try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load().pending.count == 1)
    }

    @Test func aPendingRepairSurvivesACrash() async throws {
        let a = try TestServer.tls(pki: pki)
        do {
            let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
            await c.handle(Self.failure(a.port, position: "c9"))
            // The process dies here: no flush.
        }
        let state = try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load()
        #expect(state.pending.count == 1 && state.journalCursor == "c9")
        let restarted = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await restarted.resume()
        #expect(anchors().count == 1)
        #expect(try bus.calls("RestartUnit").count == 1)
        #expect(try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load().pending.isEmpty)
    }

    /// Killed after the update tool ran and before the ledger said "installed" (the crash test found it):
    /// the anchor is on disk and in the bundle, the ledger entry pending. The next start rolls it back and
    /// the resumed repair installs and records it again.
    @Test func anInstallACrashLeftUnfinishedIsRolledBackAndRedone() async throws {
        let a = try TestServer.tls(pki: pki)
        do {
            let c = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
            await c.handle(Self.failure(a.port, position: "c9"))
        }
        let sha = try pki.sha256("int.pem")
        let file = "/usr/local/share/ca-certificates/trustmend-\(sha.prefix(16)).crt"
        try root.write(file, try pki.pem("int.pem"), mode: 0o644)
        _ = try await SystemAnchorStore(root: root.path, profile: .profile(for: .debian)).refresh()
        let pending = LedgerEntry(
            host: "localhost", port: UInt16(a.port), sha256: sha, subject: "CN=Trustmend Test Issuing CA", issuer: "CN=Trustmend Test Root CA",
            notAfter: Date().addingTimeInterval(86400), files: [file], route: "system", installedAt: Date(), reason: "test", state: .pending)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [pending]))

        let restarted = try coordinator { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await restarted.resume()
        #expect(logs.with(event: "rolled-back").count == 1)
        let entries = try JSONLedgerStore(root: root.path).load().entries
        #expect(entries.count == 1 && entries.first?.state == .installed, "\(entries)")
        #expect(anchors() == [String(file.split(separator: "/").last!)])
        #expect(try bus.calls("RestartUnit").count == 1)
    }

    // MARK: Routes

    static let containerdReads = RouteFacts(
        containerd: ContainerdCoverage(covered: true, why: "config_path = \"/etc/containerd/certs.d\""),
        docker: DockerImageStore(daemonJSON: nil))
    static let containerdIgnores = RouteFacts(
        containerd: ContainerdCoverage(covered: false, why: "config_path is not set"), docker: DockerImageStore(daemonJSON: nil))

    @Test func theRegistryRouteWritesCertsDAndRestartsNothing() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator(routeFacts: Self.containerdReads) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "containerd.service", position: "c1"))
        await c.handle(Self.failure(a.port, unit: "docker.service", position: "c2"))
        clock.advance(by: .seconds(5))
        await c.settle()
        let name = "trustmend-\(try pki.sha256("int.pem").prefix(16)).crt"
        #expect(root.list("/etc/containerd/certs.d/localhost:\(a.port)") == [name])
        #expect(root.list("/etc/docker/certs.d/localhost:\(a.port)") == [name])
        #expect(anchors().isEmpty, "nothing in the system anchor directory")
        #expect(try bus.calls("RestartUnit").isEmpty, "no restart on the registry route")
        #expect(try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load().restartsOwed.isEmpty)
        let installed = logs.with(event: "installed")
        #expect(installed.count == 1 && installed[0]["route"] == "registry")
        let entry = try #require(try JSONLedgerStore(root: root.path).load().entries.first)
        #expect(entry.route == "registry" && entry.registry == "localhost:\(a.port)")
        #expect(Set(entry.directories ?? []) == ["/etc/containerd/certs.d/localhost:\(a.port)", "/etc/docker/certs.d/localhost:\(a.port)"])
    }

    @Test func autoTakesTheSystemRouteWhereContainerdIgnoresCertsD() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator(routeFacts: Self.containerdIgnores) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await c.handle(Self.failure(a.port, unit: "containerd.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().count == 1)
        #expect(root.list("/etc/containerd/certs.d").isEmpty)
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]])
        #expect(logs.with(event: "installed").first?["route_reason"]?.description.contains("config_path is not set") == true)
    }

    @Test func routeRegistryRefusesWhatTheEngineWouldNotRead() async throws {
        let a = try TestServer.tls(pki: pki)
        let c = try coordinator(routeFacts: Self.containerdIgnores) {
            $0.allow = [AllowRule(host: try HostPattern("localhost"), route: .registry)]
        }
        await c.handle(Self.failure(a.port, unit: "containerd.service"))
        clock.advance(by: .seconds(5))
        await c.settle()
        #expect(anchors().isEmpty && root.list("/etc/containerd/certs.d").isEmpty)
        #expect(try bus.calls("RestartUnit").isEmpty)
        let refused = logs.with(event: "refused")
        #expect(refused.count == 1 && refused[0]["why"]?.description.contains("config_path is not set") == true)
    }

    @Test func aPendingRegistryRepairResumesOnTheRegistryRoute() async throws {
        let a = try TestServer.tls(pki: pki)
        let first = try coordinator(routeFacts: Self.containerdReads) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await first.handle(Self.failure(a.port, unit: "docker.service"))
        await first.shutdown()  // inside the debounce window: the approval stays pending in the state file
        #expect(try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load().pending.first?.reference == "localhost:\(a.port)/app:1")

        let second = try coordinator(routeFacts: Self.containerdReads) { $0.allow = [AllowRule(host: try HostPattern("localhost"))] }
        await second.resume()
        #expect(root.list("/etc/docker/certs.d/localhost:\(a.port)").count == 1)
        #expect(anchors().isEmpty)
    }
}
