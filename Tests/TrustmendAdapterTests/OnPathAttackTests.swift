import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS

/// Issue 16, items 2 and 7, reproduced through the real stores: loopback `openssl s_server`s with CAs
/// minted at test time, the real update-ca-certificates on a sandbox root (Debian) or the registry
/// route's certs.d (EulerOS), the OpenSSL fetcher and verifier, the JSON ledger. Item 3 goes through the
/// daemon: `TrustAnchorCoordinatorTests`.
@Suite struct OnPathAttackTests {
    let pki: TestPKI
    let root: SandboxRoot

    init() throws {
        pki = try TestPKI()
        root = try SandboxRoot()
    }

    var anchorDirectory: String { "/usr/local/share/ca-certificates" }
    var bundle: String { root.file("/etc/ssl/certs/ca-certificates.crt") }

    func repairer(tool: String? = nil) -> Repairer {
        let profile = DistroProfile.profile(for: .debian)
        return Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolOverride: tool, toolTimeout: .seconds(20)),
            ledger: JSONLedgerStore(root: root.path), profile: profile)
    }

    func request(_ server: TestServer, pins: Set<String> = []) throws -> RepairRequest {
        RepairRequest(
            endpoint: try Endpoint(host: "localhost", port: server.port),
            fetchOptions: FetchOptions(connectTimeout: .seconds(3), handshakeTimeout: .seconds(3)), pins: pins)
    }

    /// `pki`'s directory gets another PKI's root CA as `attacker.pem`: a CA that issued nothing of this chain.
    func plantUnrelatedCA() throws -> TestPKI {
        let attacker = try TestPKI()
        try attacker.pem("root.pem").write(toFile: pki.path("attacker.pem"), atomically: true, encoding: .utf8)
        return attacker
    }

    /// What the repair may have changed: anchor files, the bundle, the ledger.
    func snapshot() throws -> [String] {
        [root.list(anchorDirectory).joined(separator: ","), (try? String(contentsOfFile: bundle, encoding: .utf8)) ?? "",
         String(describing: try JSONLedgerStore(root: root.path).load())]
    }

    // MARK: Item 2: trust on first use is not trust on every failure

    /// An allowed, unpinned endpoint repaired once; then the same host:port presents another CA (an
    /// on-path attacker inducing one more failure). Refused, with both fingerprints and the commands;
    /// no file written, bundle and ledger unchanged. With the new anchor pinned it is installed.
    @Test func aDifferentCAForARepairedEndpointIsRefusedAndChangesNothing() async throws {
        let first = try TestServer.tls(pki: pki)
        let port = first.port
        guard case .installed = try await repairer().repair(request(first)) else {
            Issue.record("the first repair must install")
            return
        }
        let before = try snapshot()
        first.stop()
        let attacker = try TestPKI()
        let second = try TestServer.tls(pki: attacker, port: port)
        let (old, new) = (try pki.sha256("int.pem"), try attacker.sha256("int.pem"))

        let error = await #expect(throws: RepairError.self) { try await repairer().repair(request(second)) }
        #expect(error?.code == .refused)
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(old) && text.contains(new), "\(text)")
        #expect(text.contains("trustmend fix localhost:\(port) --expect-sha256 \(new)"), "\(text)")
        #expect(text.contains("trustmend remove localhost:\(port)"), "\(text)")
        #expect(try snapshot() == before, "nothing written, bundle and ledger unchanged")

        guard case .installed(_, let entries) = try await repairer().repair(request(second, pins: [new])) else {
            Issue.record("with the new anchor pinned, it is installed")
            return
        }
        #expect(entries.map(\.sha256) == [new])
        #expect(Set(try JSONLedgerStore(root: root.path).load().entries.map(\.sha256)) == [old, new])
    }

    /// The same through `trustmend fix`, as an operator runs it: without `--expect-sha256` it refuses
    /// (exit 3, both fingerprints, the command), a dry run too; with the new fingerprint it installs; `list`
    /// shows the ledger's authorising rule ("manual").
    @Test func fixWithoutAPinRefusesAChangedAnchor() throws {
        let first = try TestServer.tls(pki: pki)
        let port = first.port
        let installed = try CommandLineTests.run(["fix", "localhost:\(port)", "--root", root.path, "--route", "system"])
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        let before = try snapshot()
        first.stop()
        let attacker = try TestPKI()
        let second = try TestServer.tls(pki: attacker, port: port)
        let (old, new) = (try pki.sha256("int.pem"), try attacker.sha256("int.pem"))
        for dryRun in [[], ["--dry-run"]] {
            let r = try CommandLineTests.run(["fix", "localhost:\(second.port)", "--root", root.path, "--route", "system"] + dryRun)
            #expect(r.status == 3, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains(old) && r.stderr.contains(new) && r.stderr.contains("--expect-sha256 \(new)"), "\(r.stderr)")
        }
        #expect(try snapshot() == before)
        let pinned = try CommandLineTests.run(["fix", "localhost:\(port)", "--root", root.path, "--route", "system", "--expect-sha256", new])
        #expect(pinned.status == 0, "\(pinned.stdout)\(pinned.stderr)")
        #expect(root.list(anchorDirectory).count == 2)
        let list = try CommandLineTests.run(["list", "--root", root.path])
        #expect(list.stdout.components(separatedBy: "rule    manual").count == 3, "\(list.stdout)")
    }

    // MARK: Item 7: an unrelated CA chosen and "verified"

    /// The server sends its leaf and a CA that did not issue it (the issuing intermediate is missing).
    /// The unrelated CA used to be chosen and installed (then rolled back when nothing verified): now it
    /// is refused before anything is written, naming the leaf's issuer; the update tool never runs.
    @Test func aCAThatDidNotIssueTheLeafIsNeverInstalled() async throws {
        _ = try plantUnrelatedCA()
        let server = try TestServer.tls(pki: pki, chain: "attacker.pem")
        try root.write("/counting-tool", "#!/bin/sh\necho ran >> \"$TRUSTMEND_ROOT\"/tool-runs\nexit 0\n")
        let before = try snapshot()
        let error = await #expect(throws: RepairError.self) { try await repairer(tool: root.file("/counting-tool")).repair(request(server)) }
        #expect(error?.code == .refused)
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("CN=Trustmend Test Issuing CA") && text.contains("intermediate"), "\(text)")
        #expect(try snapshot() == before)
        #expect(root.read("/tool-runs") == nil, "nothing was written, so the update tool never ran")
    }

    /// The update tool builds a bundle that trusts the chain anyway (here the root CA joins it): the
    /// chain verifies, but not because of the anchor written, so that anchor is rolled back.
    @Test func anAnchorThatWasNotWhatMadeItTrustedIsRolledBack() async throws {
        let server = try TestServer.tls(pki: pki)
        try root.write("/root-tool", """
            #!/bin/sh
            cat '\(pki.path("root.pem"))' "$TRUSTMEND_ROOT"/usr/local/share/ca-certificates/*.crt > "$TRUSTMEND_ROOT"/etc/ssl/certs/ca-certificates.crt
            """)
        let error = await #expect(throws: RepairError.self) { try await repairer(tool: root.file("/root-tool")).repair(request(server)) }
        #expect(error?.code == .verification && error?.rolledBack == true)
        #expect(error.map { "\($0)" }?.contains("was not what made it trusted") == true, "\(String(describing: error))")
        #expect(root.list(anchorDirectory).isEmpty)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    /// As reproduced on the registry route: the node's system bundle already trusts the chain's root, the
    /// server sends its leaf, its intermediate and an unrelated CA. "Already trusted" looked only at
    /// certs.d while the verification read the system bundle too, so an anchor went into certs.d and was
    /// reported verified: with full-chain the unrelated CA itself. Now only the intermediate, on the
    /// leaf's issuance path, is written (an engine started before the bundle changed reads certs.d, not
    /// the new bundle), and it verifies with certs.d alone; the unrelated CA is never written.
    @Test(arguments: AnchorChoice.allCases)
    func aChainTheNodeTrustsWithAnUnrelatedCAAppendedInstallsNothingOnTheRegistryRoute(choice: AnchorChoice) async throws {
        _ = try plantUnrelatedCA()
        try (try pki.pem("int.pem") + pki.pem("attacker.pem")).write(toFile: pki.path("int+attacker.pem"), atomically: true, encoding: .utf8)
        let server = try TestServer.tls(pki: pki, chain: "int+attacker.pem")
        let euler = try SandboxRoot(osRelease: SandboxRoot.eulerOSRelease)
        defer { euler.remove() }
        let profile = try DistroProfile.select(for: OSRelease(parsing: SandboxRoot.eulerOSRelease))
        try euler.write(profile.bundle, try pki.pem("root.pem"), mode: 0o644)
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: RegistryAnchorStore(
                root: euler.path, registry: try RegistryHost(parsing: "localhost:\(server.port)"), engines: [.containerd, .docker],
                systemBundlePath: profile.bundle),
            ledger: JSONLedgerStore(root: euler.path), profile: profile)
        var asked = try request(server)
        asked.choice = choice
        let outcome = try await repairer.repair(asked)
        guard case .installed = outcome else {
            Issue.record("the intermediate on the issuance path goes into certs.d, got \(outcome)")
            return
        }
        let entries = try JSONLedgerStore(root: euler.path).load().entries
        #expect(entries.map(\.sha256) == [try pki.sha256("int.pem")])
        let attacker = try pki.sha256("attacker.pem")
        #expect(!entries.contains { $0.sha256 == attacker })
        #expect(euler.list("/etc/docker/certs.d/localhost:\(server.port)") == ["trustmend-\(try pki.sha256("int.pem")).crt"])
    }
}
