import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS
import TrustmendTesting

/// Anchor files are named after the whole SHA-256 (issue 16, item 17). With 16 hex digits, a certificate
/// whose digest began like an installed entry's got that entry's file name, and the install replaced the
/// other entry's file. A real 64-bit collision cannot be made in a test; an entry written in the 16-digit
/// form whose digest shares the new anchor's first 16 digits stands for one.
@Suite struct AnchorFileNameTests {
    let pki = try! TestPKI()
    let root = try! SandboxRoot()
    let profile = DistroProfile.profile(for: .debian)
    let directory = "/usr/local/share/ca-certificates"

    func repairer() -> Repairer {
        Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolTimeout: .seconds(20)),
            ledger: JSONLedgerStore(root: root.path), profile: profile)
    }

    @Test func aSixteenDigitCollisionCannotReplaceAnotherEntrysFile() async throws {
        let server = try TestServer.tls(pki: pki)
        let anchor = try pki.sha256("int.pem")  // what the server's chain installs
        // An earlier entry of another certificate, written in the 16-digit form, whose digest starts as the anchor's.
        let other = try TestChain(name: "other.test").root
        let colliding = String(anchor.prefix(16)) + String(repeating: "0", count: 48)
        let oldFile = "\(directory)/trustmend-\(anchor.prefix(16)).crt"
        try root.write(oldFile, other.pem, mode: 0o644)
        let earlier = LedgerEntry(
            host: "other.test", port: 443, sha256: colliding, subject: other.subject, issuer: other.issuer, notAfter: other.notAfter,
            files: [oldFile], route: .system, installedAt: Date(), reason: "an entry from before", state: .installed)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [earlier]))

        let request = RepairRequest(
            endpoint: try Endpoint(host: "localhost", port: server.port),
            fetchOptions: FetchOptions(connectTimeout: .seconds(3), handshakeTimeout: .seconds(3)))
        guard case .installed(let plan, _) = try await repairer().repair(request) else {
            Issue.record("expected an install")
            return
        }
        #expect(plan.files == ["\(directory)/trustmend-\(anchor).crt"])
        #expect(root.read(oldFile) == other.pem, "the earlier entry's file is untouched")
        #expect(root.list(directory).sorted() == ["trustmend-\(anchor).crt", "trustmend-\(anchor.prefix(16)).crt"].sorted())

        // Each entry's removal takes its own file and leaves the other's.
        _ = try await repairer().remove(.endpoint(try Endpoint(host: "localhost", port: server.port)))
        #expect(root.list(directory) == ["trustmend-\(anchor.prefix(16)).crt"])
        _ = try await repairer().remove(.host("other.test"))
        #expect(root.list(directory).isEmpty)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }
}
