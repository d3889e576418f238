import Foundation
import Logging
import Synchronization
@testable import trustmend
import TrustmendCore
import TrustmendDaemon
import TrustmendStore
import TrustmendTesting

/// What a coordinator test runs on: the daemon built by `DaemonFactory`, a manual clock, captured
/// logs, and the node around it — in memory (`FakeRig`) or real (`BusRig`).
protocol CoordinatorRig: AnyObject {
    var clock: ManualClock { get }
    var logs: CapturingLogHandler.Store { get }

    /// A registry on localhost presenting leaf and intermediate of a chain of its own.
    func server() throws -> RigServer
    /// A port nobody listens on.
    func deadPort() -> Int
    /// The daemon; `stateDirectory` puts its state file in that directory of this machine's disk.
    func coordinator(routeFacts: RouteFacts?, stateDirectory: String?, _ edit: (inout Configuration) throws -> Void) throws
        -> RepairCoordinator<ManualClock>
    /// The file names in a directory of the node.
    func list(_ directory: String) -> [String]
    /// `RestartUnit` calls, as `[unit, mode]`.
    func restarts() throws -> [[String]]
    func enableLiveRestore() throws
    /// The engines' units, with these running.
    func units(running: [String]) throws
    /// The update tool takes a second.
    func slowUpdateTool() throws
    func state() throws -> DaemonState
    func ledger() throws -> Ledger
    /// What a crash after the update tool leaves: the anchor written, the bundle rebuilt, the entry pending.
    func leaveUnfinishedInstall(_ server: RigServer) async throws -> String
    /// The operator rebuilds the bundle (a CA of their own, the update tool run by hand): it changes now.
    func rebuildBundle() throws
    /// The ports whose chain was fetched, in order; nil where the rig cannot tell (real servers).
    func fetchedPorts() -> [Int]?
    /// The unit gets a new main process now, not through trustmend (the operator, systemd's `Restart=`).
    func restartElsewhere(_ unit: String) throws
}

struct RigServer {
    var port: Int
    /// The anchor a repair installs: the intermediate, the topmost CA the server sends.
    var anchorSHA256: String
    var keepAlive: AnyObject?
}

extension CoordinatorRig {
    func coordinator(routeFacts: RouteFacts? = nil, stateDirectory: String? = nil, _ edit: (inout Configuration) throws -> Void) throws
        -> RepairCoordinator<ManualClock>
    {
        try coordinator(routeFacts: routeFacts, stateDirectory: stateDirectory, edit)
    }

    func anchors() -> [String] { list("/usr/local/share/ca-certificates") }

    static func configuration(_ edit: (inout Configuration) throws -> Void) rethrows -> Configuration {
        var config = Configuration()
        config.mode = .enforce
        config.debounce = .seconds(5)
        config.restartMinInterval = .seconds(600)
        config.connectTimeout = .seconds(3)
        config.handshakeTimeout = .seconds(3)
        config.proxy = .none
        try edit(&config)
        return config
    }

    func logger() -> Logger {
        let store = logs
        return Logger(label: "test") { _ in CapturingLogHandler(store: store) }
    }
}

/// Everything in memory: fake fetcher, stores, restarter and verifier; no process, no bus, no TLS.
final class FakeRig: CoordinatorRig {
    let clock = ManualClock()
    let logs = CapturingLogHandler.Store()
    let disk = FakeDisk()
    let faults = FakeAnchorStore.Faults()
    let fetcher = FakeChainFetcher()
    let tracer = FakeImageTracer()
    let restarter = FakeUnitRestarter(units: ["containerd.service": .init(pid: 10), "docker.service": .init(pid: 20)])
    let stateStore = FakeStateStore()
    let ledgerStore = FakeLedgerStore()
    let metrics = FakeMetricsPublisher()
    let liveRestore = Switch()
    let profile = DistroProfile.profile(for: .debian)
    static let ports = Mutex(20_000)

    func server() throws -> RigServer {
        let port = Self.ports.withLock { p in
            p += 1
            return p
        }
        let chain = try TestChain(name: "localhost")
        fetcher.serve([chain.leaf, chain.intermediate], at: try Endpoint(host: "localhost", port: port))
        return RigServer(port: port, anchorSHA256: chain.intermediate.sha256)
    }

    /// A port of its own each time, where nothing is served.
    func deadPort() -> Int {
        Self.ports.withLock { p in
            p += 1
            return p
        }
    }

    var systemStore: FakeAnchorStore { FakeAnchorStore(disk: disk, site: .system(profile), faults: faults) }

    func coordinator(routeFacts: RouteFacts?, stateDirectory: String?, _ edit: (inout Configuration) throws -> Void) throws
        -> RepairCoordinator<ManualClock>
    {
        var seams = DaemonFactory.Seams()
        seams.fetcher = fetcher
        seams.tracer = tracer
        seams.verifier = FakeChainVerifier()
        let (disk, faults, profile, ledgerStore) = (disk, faults, profile, ledgerStore)
        seams.systemStore = { _ in FakeAnchorStore(disk: disk, site: .system(profile), faults: faults) }
        seams.registryStore = { registry, engines in
            FakeAnchorStore(disk: disk, site: .registry(registry, engines: engines, systemBundle: profile.bundle), faults: faults)
        }
        seams.registryRemover = FakeAnchorStore(disk: disk, site: .registry(nil, engines: RegistryEngine.allCases, systemBundle: profile.bundle))
        seams.ledger = { _ in ledgerStore }
        seams.state = stateDirectory.map { JSONStateStore(path: $0 + "/state.json") } ?? stateStore
        let liveRestore = self.liveRestore
        seams.dockerLiveRestore = { liveRestore.isOn }
        seams.metrics = metrics
        let wiring = DaemonFactory.wiring(
            root: "/nonexistent-root", profile: profile, updateTool: nil, stateDirectory: "/nonexistent-root/var/lib/trustmend",
            restarter: restarter, registryRoute: routeFacts.map { .facts($0) } ?? .off, seams: seams)
        return try RepairCoordinator(configuration: try Self.configuration(edit), wiring: wiring, clock: clock, logger: logger())
    }

    func list(_ directory: String) -> [String] { disk.list(directory) }

    func restarts() throws -> [[String]] { restarter.restarts.map { [$0, "replace"] } }

    func enableLiveRestore() throws { liveRestore.turnOn() }

    func units(running: [String]) throws {
        for unit in ["containerd.service", "crio.service", "docker.service"] {
            restarter.set(unit, .init(active: running.contains(unit) ? "active" : "inactive", pid: 10))
        }
    }

    func slowUpdateTool() throws { faults.slowRefresh(.seconds(1)) }

    func state() throws -> DaemonState { try stateStore.load() }

    func ledger() throws -> Ledger { try ledgerStore.load() }

    func rebuildBundle() throws { disk.setChanged(profile.bundle, Date()) }

    func fetchedPorts() -> [Int]? { fetcher.fetched.map { Int($0.port) } }

    func restartElsewhere(_ unit: String) throws {
        restarter.set(unit, .init(pid: 4242, started: Date()))
    }

    func leaveUnfinishedInstall(_ server: RigServer) async throws -> String {
        let file = "/usr/local/share/ca-certificates/trustmend-\(server.anchorSHA256).crt"
        let chain = try await fetcher.fetchChain(from: try Endpoint(host: "localhost", port: server.port), options: FetchOptions())
        disk.write(file, chain.certificates[1].pem)
        _ = try await systemStore.refresh()
        let pending = LedgerEntry(
            host: "localhost", port: UInt16(server.port), sha256: server.anchorSHA256, subject: "CN=localhost Test Intermediate CA",
            issuer: "CN=localhost Test Root CA", notAfter: Date().addingTimeInterval(86400), files: [file], route: .system,
            installedAt: Date(), reason: "test", state: .pending)
        try ledgerStore.save(Ledger(entries: [pending]))
        return file
    }
}

/// A switch a `@Sendable` closure reads (docker's live-restore).
final class Switch: Sendable {
    private let on = Mutex(false)
    var isOn: Bool { on.withLock { $0 } }
    func turnOn() { on.withLock { $0 = true } }
}
