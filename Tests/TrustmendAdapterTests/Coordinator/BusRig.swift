import Foundation
import Testing
@testable import trustmend
import TrustmendCore
import TrustmendDaemon
import TrustmendStore
import TrustmendSystemd
import TrustmendTesting

/// The real components: loopback TLS servers, the real update-ca-certificates on a sandbox root, the
/// JSON stores, the systemd stand-in on a private bus.
final class BusRig: CoordinatorRig {
    let clock = ManualClock()
    let logs = CapturingLogHandler.Store()
    let root: SandboxRoot
    var bus: PrivateBus
    var tool: String?

    init() throws {
        root = try SandboxRoot()
        bus = try PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])
    }

    func server() throws -> RigServer {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        return RigServer(port: server.port, anchorSHA256: try pki.sha256("int.pem"), keepAlive: ServerAndPKI(server: server, pki: pki))
    }

    final class ServerAndPKI {
        let server: TestServer
        let pki: TestPKI
        init(server: TestServer, pki: TestPKI) {
            self.server = server
            self.pki = pki
        }
    }

    func deadPort() -> Int { freePort() }

    func coordinator(routeFacts: RouteFacts?, stateDirectory: String?, _ edit: (inout Configuration) throws -> Void) throws
        -> RepairCoordinator<ManualClock>
    {
        let wiring = DaemonFactory.wiring(
            root: root.path, profile: .profile(for: .debian), updateTool: tool,
            stateDirectory: stateDirectory ?? root.file("/var/lib/trustmend"), restarter: SystemdUnitRestarter(address: bus.address),
            registryRoute: routeFacts.map { .facts($0) } ?? .off)
        return try RepairCoordinator(configuration: try Self.configuration(edit), wiring: wiring, clock: clock, logger: logger())
    }

    func list(_ directory: String) -> [String] { root.list(directory) }

    func restarts() throws -> [[String]] { try bus.calls("RestartUnit") }

    func enableLiveRestore() throws { try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644) }

    func units(running: [String]) throws {
        var units: [String: [String: Any]] = [:]
        for unit in ["containerd.service", "crio.service", "docker.service"] {
            units[unit] = ["pid": 10, "active": running.contains(unit) ? "active" : "inactive"]
        }
        bus = try PrivateBus(units: units)
    }

    func slowUpdateTool() throws {
        try root.write("/slow-tool", """
            #!/bin/sh
            sleep 1
            cat "$TRUSTMEND_ROOT"/usr/local/share/ca-certificates/*.crt > "$TRUSTMEND_ROOT"/etc/ssl/certs/ca-certificates.crt
            """)
        tool = root.file("/slow-tool")
    }

    func state() throws -> DaemonState { try JSONStateStore(path: root.file("/var/lib/trustmend/state.json")).load() }

    func ledger() throws -> Ledger { try JSONLedgerStore(root: root.path).load() }

    /// The bundle written again as it is: a new file, so a new change time.
    func rebuildBundle() throws {
        let bundle = DistroProfile.profile(for: .debian).bundle
        try root.write(bundle, try #require(root.read(bundle)), mode: 0o644)
    }

    func fetchedPorts() -> [Int]? { nil }

    func restartElsewhere(_ unit: String) throws { try bus.restartElsewhere(unit) }

    func leaveUnfinishedInstall(_ server: RigServer) async throws -> String {
        let pki = try #require((server.keepAlive as? ServerAndPKI)?.pki)
        let file = "/usr/local/share/ca-certificates/trustmend-\(server.anchorSHA256).crt"
        try root.write(file, try pki.pem("int.pem"), mode: 0o644)
        _ = try await SystemAnchorStore(root: root.path, profile: .profile(for: .debian)).refresh()
        let pending = LedgerEntry(
            host: "localhost", port: UInt16(server.port), sha256: server.anchorSHA256, subject: "CN=Trustmend Test Issuing CA",
            issuer: "CN=Trustmend Test Root CA", notAfter: Date().addingTimeInterval(86400), files: [file], route: .system,
            installedAt: Date(), reason: "test", state: .pending)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [pending]))
        return file
    }
}
