import Foundation
import Testing
import TrustmendCore
import TrustmendSources
import TrustmendStore
import TrustmendSystemd
import TrustmendTLS

/// Faults of the node under a repair: a read-only or full anchor directory (a real tmpfs mounted over it),
/// the D-Bus daemon dying mid-call, the journal rotated and vacuumed under the reader. The update tool
/// failing, hanging and missing are in `RepairTests`; an unwritable state directory in
/// `RepairCoordinatorTests`.
@Suite struct FaultTests {
    let pki = try! TestPKI()
    let root = try! SandboxRoot()

    func repairer() -> Repairer {
        Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolTimeout: .seconds(20)),
            ledger: JSONLedgerStore(root: root.path), profile: .profile(for: .debian))
    }

    func request(_ server: TestServer) throws -> RepairRequest {
        RepairRequest(
            endpoint: try Endpoint(host: "localhost", port: server.port),
            fetchOptions: FetchOptions(connectTimeout: .seconds(3), handshakeTimeout: .seconds(3)))
    }

    /// `ro`: a read-only tmpfs over the anchor directory; `full`: a one-page tmpfs already full.
    @Test(.enabled(if: getuid() == 0, "mounts a tmpfs: needs root"), arguments: ["ro", "full"])
    func anUnwritableAnchorDirectoryChangesNothingAndTheNextTryWorks(fault: String) async throws {
        let server = try TestServer.tls(pki: pki)
        let directory = root.file("/usr/local/share/ca-certificates")
        let bundleBefore = root.read("/etc/ssl/certs/ca-certificates.crt")
        if fault == "ro" {
            try Shell.run("mount -t tmpfs -o ro,size=64k trustmend-fault \(directory)")
        } else {
            try Shell.run("mount -t tmpfs -o size=4k trustmend-fault \(directory) && (dd if=/dev/zero of=\(directory)/filler bs=4k count=2 2>/dev/null || true)")
        }
        defer { _ = try? Shell.run("umount \(directory)") }

        let error = await #expect(throws: RepairError.self) { try await repairer().repair(request(server)) }
        #expect(error?.code == .write)
        let expected = fault == "ro" ? "Read-only file system" : "No space left on device"
        #expect(error?.description.contains(expected) == true, "the cause is named: \(String(describing: error))")
        #expect(root.list("/usr/local/share/ca-certificates").allSatisfy { !$0.hasPrefix("trustmend-") })
        #expect(root.read("/etc/ssl/certs/ca-certificates.crt") == bundleBefore, "the bundle is as it was")
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty, "the ledger is as it was")

        try Shell.run("umount \(directory)")
        let outcome = try await repairer().repair(request(server))
        #expect(outcome.changedTrust, "once the directory can be written, the same repair works")
    }

    /// The bus goes away while trustmend waits for a restart job: the call ends with a connection error
    /// at once, not at the job's timeout (two minutes here, beyond the test's time limit).
    @Test(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"), .timeLimit(.minutes(1)))
    func theBusDyingMidCallIsAnErrorNotAHang() async throws {
        let bus = try PrivateBus(units: ["stuck.service": ["active": "active", "pid": 300, "result": "never"]])
        let restarter = SystemdUnitRestarter(address: bus.address)
        let call = Task { try await restarter.restart(unit: "stuck.service", timeout: .seconds(120)) }
        try await eventually("the restart job is pending") { try bus.calls("RestartUnit").count == 1 }
        bus.stopDaemon()
        let result = await call.result
        guard case .failure(let error) = result, let error = error as? SystemdError else {
            Issue.record("expected a SystemdError, got \(result)")
            return
        }
        #expect(error.code != .timeout, "\(error)")
        #expect(error.description.contains("stuck.service"), "\(error)")
        // And the next call says plainly that nobody is listening.
        let again = await #expect(throws: SystemdError.self) { try await restarter.activeState(of: "stuck.service") }
        #expect(again?.code == .connect)
    }

    /// journald rotates `system.journal` into an archive and vacuums archives away while trustmend
    /// follows the directory: entries before, between and after arrive once each, in order.
    @Test(.enabled(if: JournalWriter.available, "needs systemd-journal-remote"), .timeLimit(.minutes(1)))
    func theJournalRotatedAndVacuumedUnderTheReader() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append([.init(message: "before the rotation")])
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let stream = source.follow(units: ["containerd.service"], after: nil, lookBack: .seconds(600))
        var iterator = stream.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first?.message == "before the rotation")
        #expect(first?.loggedAt.map { abs($0.timeIntervalSinceNow) < 600 } == true, "the journal's realtime stamp")

        let archive = journal.rotate()
        try journal.append([.init(message: "after the rotation")])
        #expect(try await iterator.next()?.message == "after the rotation")

        try FileManager.default.removeItem(atPath: archive)  // vacuumed
        try journal.append([.init(message: "after the vacuum"), .init(message: "and one more")])
        #expect(try await iterator.next()?.message == "after the vacuum")
        #expect(try await iterator.next()?.message == "and one more")
    }
}

/// `fix` against hostile peers, through the whole repair on a sandbox root: each ends in its own error
/// within the fetch's limits, and nothing is written (no anchor, bundle and ledger as they were).
@Suite struct HostilePeerRepairTests {
    let pki = try! TestPKI()
    let root = try! SandboxRoot()

    func repair(_ server: TestServer) async -> (outcome: RepairOutcome?, error: RepairError?) {
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolTimeout: .seconds(20)),
            ledger: JSONLedgerStore(root: root.path), profile: .profile(for: .debian))
        do {
            let request = RepairRequest(
                endpoint: try Endpoint(host: "127.0.0.1", port: server.port),
                fetchOptions: FetchOptions(connectTimeout: .seconds(2), handshakeTimeout: .seconds(2)))
            return (try await repairer.repair(request), nil)
        } catch let error as RepairError {
            return (nil, error)
        } catch {
            Issue.record("not a RepairError: \(error)")
            return (nil, nil)
        }
    }

    func nothingWritten(_ bundleBefore: String?) throws {
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(root.read("/etc/ssl/certs/ca-certificates.crt") == bundleBefore)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        ("silent", "did not answer in time"), ("drip", "did not answer in time"), ("garbage", "handshake"), ("alert", "handshake"), ("reset", "handshake"),
        ("hundred", "100"), ("huge", "more certificate data than allowed"),
    ])
    func misbehavingServers(behaviour: String, says: String) async throws {
        let before = root.read("/etc/ssl/certs/ca-certificates.crt")
        let (outcome, error) = await repair(try TestServer.hostile(behaviour, pki: pki))
        #expect(outcome == nil)
        #expect(error?.code == .fetch, "\(behaviour): \(String(describing: error))")
        #expect(error?.description.lowercased().contains(says) == true, "\(behaviour): \(String(describing: error))")
        try nothingWritten(before)
    }

    /// No certificate at all: an anonymous cipher suite, which trustmend never offers.
    @Test(.timeLimit(.minutes(1))) func aServerWithoutACertificate() async throws {
        let before = root.read("/etc/ssl/certs/ca-certificates.crt")
        let port = freePort()
        let server = try TestServer(
            arguments: ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-nocert", "-tls1_2", "-cipher", "aNULL:@SECLEVEL=0", "-www"],
            executable: "/usr/bin/openssl", port: port, host: "127.0.0.1")
        let (_, error) = await repair(server)
        #expect(error?.code == .fetch, "\(String(describing: error))")
        try nothingWritten(before)
    }

    /// An ordinary server certificate alone (not self-signed, its CA not sent), and a chain whose CA expired.
    @Test func certificatesTrustmendRefuses() async throws {
        let before = root.read("/etc/ssl/certs/ca-certificates.crt")
        let (_, lone) = await repair(try TestServer.tls(pki: pki, chain: nil))
        #expect(lone?.code == .refused)
        #expect(lone?.description.contains("never trusts an ordinary server certificate") == true, "\(String(describing: lone))")

        let expired = try TestPKI(expiredRoot: true)
        try (try expired.pem("int.pem") + expired.pem("root.pem")).write(toFile: expired.path("int-root.pem"), atomically: true, encoding: .utf8)
        let (_, old) = await repair(try TestServer.tls(pki: expired, chain: "int-root.pem"))
        #expect(old?.code == .refused)
        #expect(old?.description.contains("expired") == true, "\(String(describing: old))")
        try nothingWritten(before)
    }

    /// A chain sent out of order (leaf, root, issuing CA) still yields its root, and the repair verifies.
    @Test func aScrambledChainIsRepairedWithItsRoot() async throws {
        try (try pki.pem("root.pem") + pki.pem("int.pem")).write(toFile: pki.path("root-int.pem"), atomically: true, encoding: .utf8)
        let (outcome, error) = await repair(try TestServer.tls(pki: pki, chain: "root-int.pem"))
        #expect(error == nil, "\(String(describing: error))")
        guard case .installed(let plan, _) = outcome else {
            Issue.record("expected an install, got \(String(describing: outcome))")
            return
        }
        #expect(plan.anchors.map(\.sha256) == [try pki.sha256("root.pem")])
    }
}

