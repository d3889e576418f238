import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS

/// Issue 16, item 7, reproduced through the real stores: loopback `openssl s_server`s with CAs
/// minted at test time, the real update-ca-certificates on a sandbox root (Debian) or the registry
/// route's certs.d (EulerOS), the OpenSSL fetcher and verifier, the JSON ledger.
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
    /// reported verified: with full-chain the unrelated CA itself. Now the chain is already trusted and
    /// nothing is written, whatever the anchor choice.
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
        guard case .alreadyTrusted = outcome else {
            Issue.record("a chain the system bundle trusts needs nothing in certs.d, got \(outcome)")
            return
        }
        #expect(euler.list("/etc/containerd/certs.d").isEmpty && euler.list("/etc/docker/certs.d").isEmpty)
        #expect(try JSONLedgerStore(root: euler.path).load().entries.isEmpty)
    }
}
