import Foundation
import Testing
import TrustmendCore
import TrustmendTLS

/// `RegistryImageTracer` against real HTTPS servers on loopback, each with a CA minted in the test.
@Suite struct TraceTests {
    static let quick = FetchOptions(connectTimeout: .seconds(2), handshakeTimeout: .seconds(2))
    static let options = TraceOptions(fetch: quick, platform: "linux/amd64", responseTimeout: .seconds(2))

    static func anchors(_ pem: String) -> [ChainCertificate] {
        PEM.certificates(in: pem).compactMap { try? ChainCertificate(der: $0) }
    }

    static func tracer(bundle: String, docker: String = "", containerd: String = "") -> RegistryImageTracer {
        RegistryImageTracer { _ in
            TraceAnchors(bundlePEM: bundle, registryDirectories: [.docker: anchors(docker), .containerd: anchors(containerd)])
        }
    }

    /// The guide's case: the registry's CA is trusted, the CDN's is not. The CDN is named, for both engines.
    @Test func theRedirectHostIsNamedWhenOnlyTheRegistrysCAIsTrusted() async throws {
        let scene = try TraceScene()
        let bundle = try scene.registryPKI.pem("root.pem") + scene.tokenPKI.pem("root.pem")
        let started = ContinuousClock.now
        let trace = try await Self.tracer(bundle: bundle).trace(scene.reference, options: Self.options)
        let took = ContinuousClock.now - started
        #expect(trace.end == .complete, "\(trace.end)")
        #expect(trace.hops.map(\.role) == [.registry, .token, .registry, .registry, .redirect])
        #expect(trace.hops.map(\.status) == [401, 200, 200, 307, 200])
        #expect(trace.hops.dropLast().allSatisfy { $0.bundle == .verified })
        let failing = try #require(trace.firstFailing(for: .docker))
        #expect(failing.endpoint.authority == scene.cdn.authority && failing.role == .redirect)
        #expect(failing.bundle?.reason == "unable to get local issuer certificate")
        #expect(trace.firstFailing(for: .containerd)?.endpoint == failing.endpoint)
        #expect(failing.chain?.certificates.last?.sha256 == (try scene.cdnPKI.sha256("int.pem")))
        // What the CDN got: the ranged request, without the registry's token; the token server got no credentials.
        let cdnRequest = try #require(try scene.cdn.requests().first)
        let headers = cdnRequest["headers"] as? [String: String] ?? [:]
        #expect(headers["Range"] == "bytes=0-0" && headers["Authorization"] == nil && cdnRequest["target"] as? String == "/blobs/config?sig=secret")
        let tokenRequest = try #require(try scene.token.requests().first)
        #expect((tokenRequest["headers"] as? [String: String])?["Authorization"] == nil)
        #expect(tokenRequest["target"] as? String == "/token?service=stand-in%2C%20test&scope=repository:team/app:pull")
        print("one trace against the loopback stand-ins (5 requests, 3 hosts): \(took)")
    }

    /// The CDN's CA in docker's certs.d for the registry: docker verifies every host, containerd still fails at the CDN.
    @Test func theCDNsCAInDockersCertsDVerifiesForDockerOnly() async throws {
        let scene = try TraceScene()
        let bundle = try scene.registryPKI.pem("root.pem") + scene.tokenPKI.pem("root.pem")
        let trace = try await Self.tracer(bundle: bundle, docker: try scene.cdnPKI.pem("root.pem")).trace(scene.reference, options: Self.options)
        #expect(trace.firstFailing(for: .docker) == nil)
        #expect(trace.firstFailing(for: .containerd)?.endpoint.authority == scene.cdn.authority)
        #expect(trace.hops.last?.registryDirectories[.docker] == .verified)
        #expect(trace.hops.last?.registryDirectories[.containerd] == nil, "an empty directory gives no verdict")
        #expect(trace.hops.first?.registryDirectories[.docker]?.verifies == false, "the registry's CA is not in certs.d")
    }

    /// A token server with its own CA that the node lacks: it is the first failing host.
    @Test func aTokenServerWithItsOwnCA() async throws {
        let scene = try TraceScene()
        let bundle = try scene.registryPKI.pem("root.pem") + scene.cdnPKI.pem("root.pem")
        let trace = try await Self.tracer(bundle: bundle).trace(scene.reference, options: Self.options)
        let failing = try #require(trace.firstFailing(for: .containerd))
        #expect(failing.role == .token && failing.endpoint.authority == scene.token.authority)
        #expect(trace.end == .complete, "a chain that does not verify is judged, and the walk goes on")
    }

    /// The daemon's trace stops where the engine's pull stops: the token server's chain is refused, so its
    /// token is not used and the registry's redirect to the CDN is never asked for — what an untrusted
    /// server answers (an on-path one's, say) sends the daemon nowhere. Without the stop (the CLI) the
    /// same scene goes on to the CDN.
    @Test func theDaemonsTraceFollowsNoServerTheEngineRefuses() async throws {
        let scene = try TraceScene()
        let bundle = try scene.registryPKI.pem("root.pem") + scene.cdnPKI.pem("root.pem")
        var options = Self.options
        options.stopWhereRefusedBy = .some(.containerd)
        let trace = try await Self.tracer(bundle: bundle).trace(scene.reference, options: options)
        #expect(trace.hops.map(\.role) == [.registry, .token])
        #expect(trace.firstFailing(for: .containerd)?.endpoint.authority == scene.token.authority)
        guard case .stopped(let why) = trace.end else {
            Issue.record("\(trace.end)")
            return
        }
        #expect(why.contains("the trace stops where the pull stops"), "\(why)")
        #expect(try scene.cdn.requests().isEmpty, "the CDN was asked for something the engine never reaches")

        let whole = try await Self.tracer(bundle: bundle).trace(scene.reference, options: Self.options)
        #expect(whole.hops.map(\.role) == [.registry, .token, .registry, .registry, .redirect])
    }

    /// A server that accepts and never answers the handshake, and one that never answers the request:
    /// each ends at its time limit (the problem says which limit fired) as a hop with a problem. The wall
    /// clock is measured on the process (`TraceCommandTests`): in here the whole suite's blocked pool
    /// threads would be measured too.
    @Test func serversThatNeverAnswerEndWithinTheLimits() async throws {
        let pki = try TestPKI()
        let silent = try TestServer.hostile("silent", pki: pki)
        let handshake = try await Self.tracer(bundle: "").trace("localhost:\(silent.port)/app:1", options: Self.options)
        #expect(handshake.hops.count == 1 && handshake.hops[0].chain == nil && handshake.hops[0].status == nil)
        #expect(handshake.hops[0].problem?.contains("did not answer in time: the handshake did not finish within 2") == true, "\(handshake.hops[0].problem ?? "")")
        guard case .stopped(let why) = handshake.end else { Issue.record("\(handshake.end)"); return }
        #expect(why.contains("no answer from localhost:\(silent.port)"))

        let hanging = try RegistryStandIn(pki: pki, routes: ["/v2/": ["hang": true]])
        let request = try await Self.tracer(bundle: try pki.pem("root.pem")).trace("\(hanging.authority)/app:1", options: Self.options)
        #expect(request.hops.count == 1 && request.hops[0].bundle == .verified && request.hops[0].status == nil)
        #expect(request.hops[0].problem?.contains("no complete answer within the response time limit") == true, "\(request.hops[0].problem ?? "")")
        #expect(request.firstFailing() == nil)
    }

    /// Through the engine's CONNECT proxy, as `fetch` goes: every host met is reached through it.
    @Test func everyHostIsReachedThroughTheProxy() async throws {
        let scene = try TraceScene()
        let proxy = try TestProxy(status: 200)
        var options = Self.options
        options.fetch.proxy = try ProxyURL(parsing: "http://127.0.0.1:\(proxy.server.port)")
        let bundle = try scene.registryPKI.pem("root.pem") + scene.tokenPKI.pem("root.pem")
        let trace = try await Self.tracer(bundle: bundle).trace(scene.reference, options: options)
        #expect(trace.end == .complete && trace.firstFailing()?.endpoint.authority == scene.cdn.authority)
        let seen = try proxy.requests()
        for server in [scene.registry, scene.token, scene.cdn] {
            #expect(seen.contains("CONNECT \(server.authority) HTTP/1.1"), "\(seen)")
        }
    }

    /// A private registry: the 401 without a token service is a result, the registry's chain judged.
    @Test func aRegistryWantingCredentialsIsAResult() async throws {
        let pki = try TestPKI()
        let registry = try RegistryStandIn(pki: pki, routes: ["/v2/": ["status": 401, "headers": ["WWW-Authenticate": #"Basic realm="private""#]]])
        let trace = try await Self.tracer(bundle: "").trace("\(registry.authority)/app:1", options: Self.options)
        #expect(trace.end == .needsCredentials(try Endpoint(parsing: registry.authority)))
        #expect(trace.firstFailing()?.role == .registry)
    }
}
