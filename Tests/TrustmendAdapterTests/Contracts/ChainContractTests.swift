import Foundation
import Testing
import TrustmendCore
import TrustmendTLS
import TrustmendTesting

/// `FakeChainFetcher` and `FakeChainVerifier` held to `OpenSSLChainFetcher` (a loopback `openssl
/// s_server`) and `OpenSSLChainVerifier`: one body, both implementations.
@Suite struct ChainContractTests {
    /// A fetcher with a server presenting the PKI's leaf and intermediate at `endpoint`.
    struct FetcherSubject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable (TestPKI) async throws -> (fetcher: any ChainFetcher, endpoint: Endpoint, server: TestServer?)
    }

    static func certificate(_ pki: TestPKI, _ name: String) throws -> ChainCertificate {
        let text = try pki.sh("openssl x509 -in \(name) -outform DER | base64 -w0")
        return try ChainCertificate(der: Array(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))!))
    }

    static let fetchers: [FetcherSubject] = [
        FetcherSubject(testDescription: "FakeChainFetcher") { pki in
            let fetcher = FakeChainFetcher()
            let endpoint = try Endpoint(host: "localhost", port: 20_000 + Int.random(in: 0..<1000))
            fetcher.serve([try certificate(pki, "leaf.pem"), try certificate(pki, "int.pem")], at: endpoint)
            return (fetcher, endpoint, nil)
        },
        FetcherSubject(testDescription: "OpenSSLChainFetcher") { pki in
            let server = try TestServer.tls(pki: pki)
            return (OpenSSLChainFetcher(), try Endpoint(host: "localhost", port: server.port), server)
        },
    ]

    static let quick = FetchOptions(connectTimeout: .seconds(2), handshakeTimeout: .seconds(2))

    @Test(arguments: fetchers)
    func aServerPresentsItsChainInTheOrderSent(_ subject: FetcherSubject) async throws {
        let pki = try TestPKI()
        let (fetcher, endpoint, server) = try await subject.make(pki)
        let chain = try await fetcher.fetchChain(from: endpoint, options: Self.quick)
        #expect(chain.endpoint == endpoint)
        #expect(chain.certificates.map(\.subject) == ["CN=localhost", "CN=Trustmend Test Issuing CA"])
        #expect(chain.certificates[1].sha256 == (try pki.sha256("int.pem")))
        withExtendedLifetime(server) {}
    }

    @Test(arguments: fetchers)
    func nobodyListeningThrows(_ subject: FetcherSubject) async throws {
        let (fetcher, _, _) = try await subject.make(try TestPKI())
        let dead = try Endpoint(host: "127.0.0.1", port: freePort())
        await #expect(throws: (any Error).self) { try await fetcher.fetchChain(from: dead, options: Self.quick) }
    }

    // MARK: Verifier

    struct VerifierSubject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var verifier: any ChainVerifier
    }

    static let verifiers = [
        VerifierSubject(testDescription: "FakeChainVerifier", verifier: FakeChainVerifier()),
        VerifierSubject(testDescription: "OpenSSLChainVerifier", verifier: OpenSSLChainVerifier()),
    ]

    /// Which chains verify against which bundle, the way Go verifies (every bundle certificate an anchor).
    @Test(arguments: verifiers)
    func verifiesAsGoDoes(_ subject: VerifierSubject) throws {
        let t = try TestChain()
        let other = try TestChain(name: "other.test")
        let sent = try t.chain([t.leaf, t.intermediate])
        let leafOnly = try t.chain([t.leaf])
        let cases: [(PeerChain, [ChainCertificate], Bool, String)] = [
            (sent, [t.intermediate], true, "the intermediate it sent is an anchor"),
            (sent, [t.root], true, "the root of what it sent"),
            (sent, [other.root, t.intermediate], true, "one anchor among others"),
            (sent, [other.root, other.intermediate], false, "another CA's bundle"),
            (sent, [], false, "an empty bundle"),
            (leafOnly, [t.intermediate], true, "the leaf alone, its issuer an anchor"),
            (leafOnly, [t.root], false, "the leaf alone, the intermediate missing (nothing is fetched)"),
        ]
        for (chain, bundle, verifies, why) in cases {
            let pem = bundle.map(\.pem).joined()
            let verified = (try? subject.verifier.verify(chain, againstBundle: pem, extraAnchors: [])) != nil
            #expect(verified == verifies, "\(why)")
        }
        #expect((try? subject.verifier.verify(leafOnly, againstBundle: "", extraAnchors: [t.intermediate])) != nil, "extra anchors count")
    }
}
