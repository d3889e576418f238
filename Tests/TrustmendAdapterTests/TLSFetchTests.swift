import Foundation
import Testing
import TrustmendCore
import TrustmendTLS

/// The OpenSSL fetcher and verifier against real servers on loopback with a CA minted in the test.
@Suite struct TLSFetchTests {
    let pki: TestPKI
    init() throws { pki = try TestPKI() }

    static let quick = FetchOptions(connectTimeout: .seconds(2), handshakeTimeout: .seconds(2))

    func fetch(_ endpoint: String, _ options: FetchOptions = quick) async throws -> PeerChain {
        try await OpenSSLChainFetcher().fetchChain(from: Endpoint(parsing: endpoint), options: options)
    }

    @Test func fetchesLeafAndIntermediateInTheOrderSent() async throws {
        let server = try TestServer.tls(pki: pki)
        let chain = try await fetch("localhost:\(server.port)")
        #expect(chain.certificates.map(\.subject) == ["CN=localhost", "CN=Trustmend Test Issuing CA"])
        #expect(chain.certificates[1].sha256 == (try pki.sha256("int.pem")))
    }

    @Test func pemOutputEqualsOpenSSLShowcerts() async throws {
        let server = try TestServer.tls(pki: pki)
        let chain = try await fetch("127.0.0.1:\(server.port)")
        let theirs = try Shell.run(
            "openssl s_client -showcerts -connect 127.0.0.1:\(server.port) </dev/null 2>/dev/null | sed -n '/-----BEGIN/,/-----END/p'")
        #expect(chain.pem == theirs)
    }

    @Test func sendsSNIForNamesOnly() async throws {
        // s_server -trace decodes each ClientHello, server_name extension included.
        let port = freePort()
        let log = pki.path("trace.log")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "exec openssl s_server -accept 127.0.0.1:\(port) -cert \(pki.path("leaf.pem")) -key \(pki.path("leaf.key")) -www -trace > \(log) 2>&1"]
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<100 where !TestServer.accepts(host: "127.0.0.1", port: port) { usleep(50_000) }
        _ = try await fetch("localhost:\(port)")
        _ = try await fetch("127.0.0.1:\(port)")
        try await Task.sleep(for: .milliseconds(300))
        let trace = try String(contentsOfFile: log, encoding: .utf8)
        #expect(trace.components(separatedBy: "ClientHello").count - 1 == 2)
        #expect(trace.components(separatedBy: "extension_type=server_name").count - 1 == 1)
        #expect(trace.contains(".localhost"))
    }

    @Test func aSelfSignedServerAndAServerSendingItsRoot() async throws {
        let selfSigned = try TestServer.tls(pki: pki, cert: "self.pem", key: "self.key", chain: nil)
        let lone = try await fetch("localhost:\(selfSigned.port)")
        #expect(lone.certificates.count == 1)
        #expect(lone.certificates[0].isSelfSigned && !lone.certificates[0].isCA)

        try pki.sh("cat int.pem root.pem > int-root.pem")
        let withRoot = try TestServer.tls(pki: pki, chain: "int-root.pem")
        let full = try await fetch("localhost:\(withRoot.port)")
        #expect(full.certificates.count == 3)
        #expect(full.certificates[2].isSelfSigned && full.certificates[2].isCA)
    }

    /// The fetcher's IPv6 path: a bracketed literal, an AF_INET6 connect. Linux has ::1 on loopback unless
    /// IPv6 is turned off, so without it this test fails rather than passing untested. A machine that
    /// turns IPv6 off on purpose says so with TRUSTMEND_TEST_NO_IPV6=1: the test then records a known
    /// issue (the run shows the path went untested) instead of failing.
    @Test func ipv6Loopback() async throws {
        if let unavailable = TestServerIPv6.unavailable {
            let why = "IPv6 loopback is unavailable (cannot bind a socket to ::1: \(unavailable))"
            guard ProcessInfo.processInfo.environment["TRUSTMEND_TEST_NO_IPV6"] == "1" else {
                Issue.record("\(why); the IPv6 fetch was not tested. Set TRUSTMEND_TEST_NO_IPV6=1 where IPv6 is off on purpose.")
                return
            }
            withKnownIssue("TRUSTMEND_TEST_NO_IPV6=1: the IPv6 fetch is not tested on this machine") { Issue.record("\(why)") }
            return
        }
        let server = try TestServer.tls(pki: pki, host: "::1")
        let chain = try await fetch("[::1]:\(server.port)")
        #expect(chain.certificates.count == 2)
    }

    @Test func nothingListeningIsAConnectError() async throws {
        let port = freePort()
        let error = await #expect(throws: TLSFetchError.self) { try await fetch("127.0.0.1:\(port)") }
        #expect(error?.code == .connect)
        #expect(error?.description.contains("cannot connect to 127.0.0.1:\(port)") == true)
    }

    @Test func anUnresolvableNameIsAResolveError() async throws {
        let error = await #expect(throws: TLSFetchError.self) { try await fetch("does-not-exist.invalid") }
        #expect(error?.code == .resolve)
    }

    /// Each hostile peer ends in its own error. The fetch's own limit is 2 s for the handshake; the
    /// test's time limit turns a hang into a failure without timing a loaded machine.
    @Test(.timeLimit(.minutes(1)), arguments: [
        ("silent", TLSFetchError.Code.timeout), ("drip", .timeout), ("garbage", .handshake), ("alert", .handshake),
        ("reset", .handshake), ("hundred", .chainTooLong), ("huge", .chainTooLarge),
    ])
    func hostilePeers(behaviour: String, code: TLSFetchError.Code) async throws {
        let server = try TestServer.hostile(behaviour, pki: pki)
        let error = await #expect(throws: TLSFetchError.self) { try await fetch("127.0.0.1:\(server.port)") }
        #expect(error?.code == code, "\(behaviour): \(String(describing: error))")
    }

    /// A peer that sends real certificates (the test PKI's leaf and intermediate) and hangs up before
    /// the signed ServerKeyExchange: anyone can send someone else's certificates, so a chain from a
    /// handshake that failed before the proof of the key is not taken (issue 16, item 7). It was.
    @Test(.timeLimit(.minutes(1))) func certificatesWithoutProofOfTheKeyAreNotTaken() async throws {
        let server = try TestServer.hostile("certonly", pki: pki)
        let error = await #expect(throws: TLSFetchError.self) { try await fetch("127.0.0.1:\(server.port)") }
        #expect(error?.code.rawValue == "unproven", "\(String(describing: error))")
        #expect(error?.description.contains("proved it holds the key") == true)
    }

    /// A server that demands a client certificate fails the handshake after it proved its key (TLS 1.2:
    /// the ServerKeyExchange signature; TLS 1.3: CertificateVerify, and the client's side completes):
    /// its chain is still taken.
    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func aClientCertificateDemandAfterTheProofStillYieldsTheChain(version: String) async throws {
        let server = try TestServer.tls(pki: pki, options: ["-Verify", "1", version])
        let chain = try await fetch("127.0.0.1:\(server.port)")
        #expect(chain.certificates.map(\.subject) == ["CN=localhost", "CN=Trustmend Test Issuing CA"])
    }

    @Test func throughAConnectProxyTheServersChainArrives() async throws {
        let server = try TestServer.tls(pki: pki)
        let proxy = try TestProxy(status: 200)
        var options = Self.quick
        options.proxy = try ProxyURL(parsing: "http://user:secret@127.0.0.1:\(proxy.server.port)")
        let chain = try await fetch("localhost:\(server.port)", options)
        #expect(chain.certificates.count == 2)
        let seen = try proxy.requests()
        #expect(seen.contains("CONNECT localhost:\(server.port) HTTP/1.1"))
        #expect(seen.contains("Proxy-Authorization: Basic dXNlcjpzZWNyZXQ="))
    }

    @Test func aProxyThatRefusesIsAProxyError() async throws {
        let proxy = try TestProxy(status: 403)
        var options = Self.quick
        options.proxy = try ProxyURL(parsing: "http://127.0.0.1:\(proxy.server.port)")
        let error = await #expect(throws: TLSFetchError.self) { try await fetch("registry.example:443", options) }
        #expect(error?.code == .proxy)
        #expect(error?.description.contains("403") == true)
    }

    // MARK: Verification, the way Go does it

    func chain(_ files: [String]) throws -> PeerChain {
        PeerChain(endpoint: try Endpoint(host: "localhost"), certificates: try files.map { try ChainCertificate(der: PEM.certificates(in: pki.pem($0))[0]) })
    }

    @Test func verifiesAgainstTheRootOrTheIntermediateAlone() throws {
        let sent = try chain(["leaf.pem", "int.pem"])
        try OpenSSLChainVerifier().verify(sent, againstBundle: try pki.pem("root.pem"), extraAnchors: [])
        // Go treats every certificate in its pool as an anchor: the intermediate alone is enough.
        try OpenSSLChainVerifier().verify(sent, againstBundle: try pki.pem("int.pem"), extraAnchors: [])
    }

    @Test func failsAgainstAnUnrelatedBundle() throws {
        let other = try TestPKI()
        let error = #expect(throws: VerificationError.self) {
            try OpenSSLChainVerifier().verify(try chain(["leaf.pem", "int.pem"]), againstBundle: try other.pem("root.pem"), extraAnchors: [])
        }
        #expect(error?.description.contains("unable to get local issuer certificate") == true)
    }

    @Test func aSelfSignedLeafVerifiesWhenItIsInTheBundle() throws {
        let lone = try chain(["self.pem"])
        try OpenSSLChainVerifier().verify(lone, againstBundle: try pki.pem("self.pem"), extraAnchors: [])
        #expect(throws: VerificationError.self) { try OpenSSLChainVerifier().verify(lone, againstBundle: "", extraAnchors: []) }
    }

    @Test func anExpiredRootDoesNotVerify() throws {
        let expired = try TestPKI(expiredRoot: true)
        let sent = PeerChain(
            endpoint: try Endpoint(host: "localhost"),
            certificates: try ["leaf.pem", "int.pem"].map { try ChainCertificate(der: PEM.certificates(in: expired.pem($0))[0]) })
        let error = #expect(throws: VerificationError.self) {
            try OpenSSLChainVerifier().verify(sent, againstBundle: try expired.pem("root.pem"), extraAnchors: [])
        }
        #expect(error?.reason.contains("expired") == true)
    }
}

enum TestServerIPv6 {
    /// Why a socket cannot be bound to ::1, or nil when it can.
    static var unavailable: String? {
        do {
            try Shell.run("python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind((\"::1\",0))'")
            return nil
        } catch let failure as Shell.Failure {
            return failure.output.split(separator: "\n").last.map(String.init) ?? "exit \(failure.status)"
        } catch {
            return "\(error)"
        }
    }
}

/// A CONNECT proxy on loopback, written for the test: answers `status`, and tunnels on 200.
final class TestProxy: @unchecked Sendable {
    // @unchecked: immutable after init.
    let server: TestServer
    let log: String

    init(status: Int) throws {
        log = NSTemporaryDirectory() + "trustmend-proxy-" + UUID().uuidString + ".log"
        let port = freePort()
        let script = """
            import socket, sys, threading
            status, port, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            def pipe(a, b):
                try:
                    while True:
                        d = a.recv(65536)
                        if not d: break
                        b.sendall(d)
                except OSError: pass
            def handle(c):
                head = b""
                while b"\\r\\n\\r\\n" not in head:
                    d = c.recv(1)
                    if not d: return
                    head += d
                open(log, "ab").write(head)
                if status != 200:
                    c.sendall(b"HTTP/1.1 %d Forbidden\\r\\nContent-Length: 0\\r\\n\\r\\n" % status); c.close(); return
                target = head.split(b" ")[1].decode()
                host, _, p = target.rpartition(":")
                u = socket.create_connection((host.strip("[]"), int(p)))
                c.sendall(b"HTTP/1.1 200 Connection established\\r\\n\\r\\n")
                threading.Thread(target=pipe, args=(u, c), daemon=True).start()
                pipe(c, u)
            l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            l.bind(("127.0.0.1", port)); l.listen(8)
            while True:
                c, _ = l.accept()
                threading.Thread(target=handle, args=(c,), daemon=True).start()
            """
        server = try TestServer(arguments: ["-c", script, String(status), String(port), log], executable: "/usr/bin/python3", port: port)
    }

    func requests() throws -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}
