import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// Issue 19, item 2 through the daemon: a failure that names no host is tied to its image, the image
/// traced, and the host the trace finds failing decided under every rule a host a line names is.
@Suite struct HostlessCoordinatorTests {
    static let image = "registry.example:5000/team/app:1"
    static let registry = try! Endpoint(host: "registry.example", port: 5000)
    static let cdn = try! Endpoint(host: "cdn.example", port: 443)

    /// dockerd 20.10 (FACTS §23): neither host nor image.
    static func dockerd(unit: String = "docker.service", position: String = "d") -> LogRecord {
        LogRecord(
            message: #"time="2026-12-01T10:00:00Z" level=error msg="error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority""#,
            origin: .journal(unit: unit, uid: 0), position: position)
    }

    /// The kubelet's structured line for the same pull (cri-dockerd passes dockerd's text through).
    static func kubelet(_ image: String = image, origin: LogRecord.Origin = .journal(unit: "kubelet.service", uid: 0), position: String = "k") -> LogRecord {
        LogRecord(
            message: #"E1201 10:00:03.000000    1234 kuberuntime_image.go:43] "Failed to pull image" err="error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority" image="\#(image)""#,
            origin: origin, position: position)
    }

    /// The registry verifies and redirects the config blob to the CDN, whose chain the node lacks.
    static func cdnTrace(_ image: String = image, cdnVerifies: Bool = false) throws -> ImageTrace {
        ImageTrace(
            reference: image, registry: try RegistryHost(reference: image),
            hops: [
                TraceHop(endpoint: registry, role: .registry, request: "GET /v2/team/app/manifests/1", status: 200, bundle: .verified),
                TraceHop(endpoint: registry, role: .registry, request: "GET /v2/team/app/blobs/sha256:c0", status: 307, bundle: .verified),
                TraceHop(
                    endpoint: cdn, role: .redirect, request: "GET /blobs/c0", status: 200,
                    bundle: cdnVerifies ? .verified : TraceVerdict(verifies: false, reason: "unable to get local issuer certificate")),
            ],
            end: .complete)
    }

    /// The CDN serves a chain of its own; the registry and CDN are allowed, the CDN's rule on the
    /// registry route for the registry.
    static func rig(serveCDN: Bool = true) throws -> (FakeRig, TestChain) {
        let rig = FakeRig()
        let chain = try TestChain(name: "cdn.example")
        if serveCDN { rig.fetcher.serve([chain.leaf, chain.intermediate], at: cdn) }
        rig.tracer.answer(image, with: try cdnTrace())
        return (rig, chain)
    }

    static func allowBoth(_ config: inout Configuration) throws {
        config.allow = [
            AllowRule(host: try HostPattern("registry.example")),
            AllowRule(host: try HostPattern("cdn.example"), route: .registry, registries: [try RegistryHost(parsing: "registry.example:5000")]),
        ]
    }

    @Test func aTiedDockerdLineIsTracedAndTheCDNRepairedUnderTheRegistrysCertsD() async throws {
        let (rig, chain) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads, Self.allowBoth)
        await c.handle(Self.dockerd())
        #expect(rig.tracer.traced.isEmpty, "no image yet")
        rig.clock.advance(by: .seconds(3))
        await c.handle(Self.kubelet())
        await c.settle()

        #expect(rig.tracer.traced == [Self.image])
        #expect(rig.tracer.options.first?.platform == DaemonWiring.nodePlatform)
        #expect(rig.tracer.options.first?.stopWhereRefusedBy == .some(.docker), "the walk ends where docker's pull ends")
        let traced = try #require(rig.logs.with(event: "traced").first)
        #expect(traced["host"]?.description == "cdn.example" && traced["role"]?.description == "redirect")
        #expect(traced["engine_view"]?.description == "docker", "dockerd's line says whose trust the trace is read with")
        #expect(rig.fetcher.fetched == [Self.cdn])
        #expect(rig.list("/etc/docker/certs.d/registry.example:5000") == ["trustmend-\(chain.intermediate.sha256).crt"])
        #expect(rig.list("/etc/docker/certs.d/cdn.example").isEmpty && rig.anchors().isEmpty)
        let installed = try #require(rig.logs.with(event: "installed").first)
        #expect(installed["route"]?.description == "registry" && installed["endpoint_from"]?.description == "trace")
        #expect(try rig.ledger().entries.map(\.host) == ["cdn.example"])
        rig.clock.advance(by: .seconds(10))
        await c.settle()
        #expect(try rig.restarts().isEmpty)
        #expect(try rig.state().pending.isEmpty)
    }

    /// The guide's case as an operator writes it: the registry is trusted already and not listed; only
    /// its CDN is, scoped to it. The scope is enough to trace the registry's image (and the registry's own
    /// chain is never a candidate: it verifies).
    @Test func aRegistryOnlyARulesScopeNamesIsTracedAndItsCDNRepaired() async throws {
        let (rig, chain) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            $0.allow = [AllowRule(host: try HostPattern("cdn.example"), route: .registry, registries: [try RegistryHost(parsing: "registry.example:5000")])]
        }
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet())
        await c.settle()
        #expect(rig.tracer.traced == [Self.image])
        #expect(rig.fetcher.fetched == [Self.cdn])
        #expect(rig.list("/etc/docker/certs.d/registry.example:5000") == ["trustmend-\(chain.intermediate.sha256).crt"])
        #expect(rig.anchors().isEmpty)
    }

    /// With `fetch.proxy: engine` the trace reaches each host as the engine that failed would: its unit's
    /// proxy settings, NO_PROXY included, chosen per host; the node's platform.
    @Test func theTraceTakesTheFailingEnginesProxySettings() async throws {
        let (rig, _) = try Self.rig()
        rig.restarter.set("docker.service", .init(pid: 20, environment: ["HTTPS_PROXY=http://proxy.corp.example:3128", "NO_PROXY=registry.example"]))
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            try Self.allowBoth(&$0)
            $0.proxy = .engine
        }
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet())
        await c.settleTraces()
        let options = try #require(rig.tracer.options.first)
        #expect(options.platform == DaemonWiring.nodePlatform)
        #expect(options.proxyEnvironment?.httpsProxy == "http://proxy.corp.example:3128")
        #expect(options.proxyEnvironment?.noProxy == "registry.example")
    }

    @Test func aCDNOutsideTheAllowListIsReportedWithBothCommandsAndNotFetched() async throws {
        let (rig, _) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) { $0.allow = [AllowRule(host: try HostPattern("registry.example"))] }
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet())
        await c.settleTraces()
        rig.clock.advance(by: .seconds(5))
        await c.settle()

        #expect(rig.tracer.traced == [Self.image])
        let report = try #require(rig.logs.with(event: "reported").first)
        #expect(report["command"]?.description == "trustmend fix cdn.example:443 --dry-run")
        #expect(report["trace_command"]?.description == "trustmend trace \(Self.image)")
        let sentence = try #require(rig.logs.events.withLock { $0.first { $0.metadata["event"]?.description == "reported" }?.message })
        #expect(sentence.contains("trustmend fix cdn.example:443 --dry-run") && sentence.contains("trustmend trace \(Self.image)"), "\(sentence)")
        #expect(!rig.fetcher.fetched.contains(Self.cdn))
        #expect(rig.anchors().isEmpty && rig.list("/etc/docker/certs.d/registry.example:5000").isEmpty)
    }

    /// A registry no rule names, as its host or in its `registries` (here the CDN's rule is scoped to
    /// another registry), is never contacted to trace its image.
    @Test func aRegistryOutsideTheAllowListIsNeverTraced() async throws {
        let (rig, _) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            $0.allow = [AllowRule(host: try HostPattern("cdn.example"), registries: [try RegistryHost(parsing: "elsewhere.example:5000")])]
        }
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet())
        await c.settle()
        #expect(rig.tracer.traced.isEmpty)
        #expect(rig.fetcher.fetched.isEmpty)
        let report = try #require(rig.logs.with(event: "reported").first)
        #expect(report["command"]?.description == "trustmend trace \(Self.image)")
        #expect(report["why"]?.description.contains("registry.example:5000 is neither in the allow list nor in a rule's registries") == true)
    }

    @Test func anUntiedLineIsReportedOncePerBackOff() async throws {
        let (rig, _) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            try Self.allowBoth(&$0)
            $0.backoff = .seconds(900)
        }
        await c.handle(Self.dockerd(position: "d1"))
        rig.clock.advance(by: .seconds(30))
        await Task.yield()
        #expect(rig.logs.with(event: "reported").isEmpty, "still within the window")
        rig.clock.advance(by: .seconds(1))
        try await eventually("the untied report") { rig.logs.with(event: "reported").count == 1 }
        let report = try #require(rig.logs.with(event: "reported").first)
        #expect(report["command"]?.description == "trustmend trace IMAGE" && report["unit"]?.description == "docker.service")

        for i in 0..<3 {
            rig.clock.advance(by: .seconds(100))
            await c.handle(Self.dockerd(position: "d\(i + 2)"))
            rig.clock.advance(by: .seconds(31))
            await c.settle()
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(rig.logs.with(event: "reported").count == 1, "once per back-off period")
        rig.clock.advance(by: .seconds(900))
        await c.handle(Self.dockerd(position: "d9"))
        rig.clock.advance(by: .seconds(31))
        try await eventually("the next period's report") { rig.logs.with(event: "reported").count == 2 }
        #expect(rig.tracer.traced.isEmpty)
    }

    @Test func aTraceWhereEveryHostVerifiesDoesNothing() async throws {
        let (rig, _) = try Self.rig()
        rig.tracer.answer(Self.image, with: try Self.cdnTrace(cdnVerifies: true))
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads, Self.allowBoth)
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet())
        await c.settle()
        rig.clock.advance(by: .seconds(10))
        await c.settle()
        #expect(rig.tracer.traced == [Self.image])
        let traced = try #require(rig.logs.with(event: "traced").first)
        #expect(traced["host"] == nil && traced["why"]?.description.contains("cdn.example:443") == true)
        #expect(rig.logs.with(event: "detected").isEmpty && rig.logs.with(event: "installed").isEmpty)
        #expect(rig.fetcher.fetched.isEmpty && rig.anchors().isEmpty && rig.list("/etc/docker/certs.d/registry.example:5000").isEmpty)
        #expect(try rig.restarts().isEmpty)
        // Held for the back-off: the same pull failing again is not traced again.
        rig.clock.advance(by: .seconds(60))
        await c.handle(Self.kubelet(position: "k2"))
        await c.settle()
        #expect(rig.tracer.traced.count == 1)
    }

    /// Traces take the journal's fetch budget (120 an hour): past it nothing is traced, a detection of
    /// an allowed host is turned away too, and the drops are announced.
    @Test func tracesAreCountedAgainstTheFetchBudget() async throws {
        let (rig, _) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            try Self.allowBoth(&$0)
            $0.allow.append(AllowRule(host: try HostPattern("localhost")))
        }
        for i in 0..<(FetchBudget.defaultPerHour + 10) {
            await c.handle(Self.kubelet("registry.example:5000/app\(i):1", position: "k\(i)"))
            await c.settleTraces()
        }
        #expect(rig.tracer.traced.count == FetchBudget.defaultPerHour)
        let a = try rig.server()
        await c.handle(CoordinatorScenarios.failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.fetcher.fetched.isEmpty && rig.anchors().isEmpty)
        let dropped = try #require(rig.logs.with(event: "dropped").first)
        #expect(dropped["source"]?.description == "the journal")
    }

    /// A kubelet-looking line from a container's output, another unit or another user names no image:
    /// the genuine dockerd line stays untied (reported), nothing is traced or contacted.
    @Test(arguments: [
        LogRecord.Origin.journal(unit: "docker.service", uid: 0, transport: "journal", containerFields: true),
        .journal(unit: "kubelet.service", uid: 0, transport: "journal"),
        .journal(unit: "user@1000.service", uid: 1000),
    ])
    func aForgedKubeletLineTracesNothing(_ origin: LogRecord.Origin) async throws {
        let (rig, _) = try Self.rig()
        let c = try rig.coordinator(routeFacts: CoordinatorScenarios.containerdReads) {
            try Self.allowBoth(&$0)
            $0.trustAny = true
        }
        await c.handle(Self.kubelet(origin: origin, position: "f1"))
        await c.handle(Self.dockerd())
        await c.handle(Self.kubelet(origin: origin, position: "f2"))
        await c.settle()
        rig.clock.advance(by: .seconds(31))
        try await eventually("the genuine line reported untied") { rig.logs.with(event: "reported").count == 1 }
        #expect(rig.tracer.traced.isEmpty)
        #expect(rig.fetcher.fetched.isEmpty && rig.anchors().isEmpty)
        #expect(rig.logs.with(event: "reported").first?["command"]?.description == "trustmend trace IMAGE")
    }
}
