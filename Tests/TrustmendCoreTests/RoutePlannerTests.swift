import Foundation
import Testing
@testable import TrustmendCore

@Suite struct RoutePlannerTests {
    static let covered = ContainerdCoverage(covered: true, why: "config_path = \"/etc/containerd/certs.d\"")
    static let notCovered = ContainerdCoverage(covered: false, why: "config_path is not set")
    static let legacy = DockerImageStore(daemonJSON: nil)
    static let snapshotter = DockerImageStore(daemonJSON: DockerDaemonConfig(liveRestore: false, containerdSnapshotter: true))

    func detection(_ reference: String?, path: String? = "/v2/app/manifests/1", host: String = "registry.corp.example", port: Int = 5000) throws -> Detection {
        Detection(line: 1, endpoint: try Endpoint(host: host, port: port), engine: .containerd, reference: reference, path: path)
    }

    /// `rule` nil: under `trust_any`, where any registry may be written.
    func choose(
        _ route: TrustRoute, _ units: [String], _ d: Detection, containerd: ContainerdCoverage = covered, docker: DockerImageStore = legacy,
        rule: AllowRule? = nil
    ) -> Result<RouteChoice, RouteRefusal> {
        RoutePlanner.choose(
            route, engines: units.map { ($0, RegistryEngine(unit: $0)) }, detection: d,
            facts: RouteFacts(containerd: containerd, docker: docker), rule: rule)
    }

    func rule(_ host: String, registries: [String] = [], line: Int = 7) throws -> AllowRule {
        AllowRule(host: try HostPattern(host), registries: try registries.map { try RegistryHost(parsing: $0) }, line: line)
    }

    @Test func autoTakesTheRegistryRouteWhereEveryEngineReadsIt() throws {
        let d = try detection("registry.corp.example:5000/app:1")
        let choice = try choose(.auto, ["containerd.service", "docker.service"], d).get()
        let registry = try RegistryHost(parsing: "registry.corp.example:5000")
        #expect(choice.target == .registry(registry, engines: [.containerd, .docker]))
        #expect(choice.target.directories == ["/etc/containerd/certs.d/registry.corp.example:5000", "/etc/docker/certs.d/registry.corp.example:5000"])
    }

    @Test func autoFallsBackToTheSystemRouteAndSaysWhy() throws {
        let d = try detection("registry.corp.example:5000/app:1")
        let choice = try choose(.auto, ["containerd.service"], d, containerd: Self.notCovered).get()
        #expect(choice.target == .system)
        #expect(choice.why.contains("config_path is not set"))
        // One engine that cannot read it sends the whole repair to the system route.
        #expect(try choose(.auto, ["docker.service", "containerd.service"], d, containerd: Self.notCovered).get().target == .system)
        #expect(try choose(.auto, ["crio.service"], d).get().target == .system)
        #expect(try choose(.auto, [], d).get().target == .system)
    }

    @Test func registryRefusesWithTheReason() throws {
        let d = try detection("registry.corp.example:5000/app:1")
        guard case .failure(let refusal) = choose(.registry, ["containerd.service"], d, containerd: Self.notCovered) else {
            Issue.record("route: registry must refuse where containerd would not read the file")
            return
        }
        #expect(refusal.description.contains("config_path is not set"))
    }

    @Test func dockerHubOnTheLegacyStoreTakesTheSystemRoute() throws {
        let d = try detection("library/nginx:1", host: "registry-1.docker.io", port: 443)
        let choice = try choose(.auto, ["docker.service"], d).get()
        #expect(choice.target == .system)
        #expect(choice.why.contains("legacy image store"))
        // containerd's image store reads certs.d for docker.io too.
        #expect(try choose(.auto, ["docker.service"], d, docker: Self.snapshotter).get().target.route == .registry)
        #expect(try choose(.auto, ["containerd.service"], d).get().target == .registry(try RegistryHost(host: "docker.io"), engines: [.containerd]))
    }

    @Test func aTokenHostsCAGoesToItsRegistry() throws {
        let d = try detection("registry.corp.example/app:1", path: "/service/token", host: "auth.corp.example", port: 443)
        let serving = try rule("auth.corp.example", registries: ["registry.corp.example"])
        #expect(try choose(.auto, ["containerd.service"], d, rule: serving).get().target.directories == ["/etc/containerd/certs.d/registry.corp.example"])
        // Without an image reference, a token or CDN host is not a registry: the system route, with why.
        let bare = try detection(nil, path: "/service/token", host: "auth.corp.example", port: 443)
        let choice = try choose(.auto, ["containerd.service"], bare).get()
        #expect(choice.target == .system && choice.why.contains("token server or CDN"))
        // A /v2/ request is the registry itself.
        let v2 = try detection(nil, path: "/v2/", host: "registry.corp.example", port: 443)
        #expect(try choose(.auto, ["docker.service"], v2).get().target.directories == ["/etc/docker/certs.d/registry.corp.example"])
    }

    /// Issue 16, item 3: the rule matched the failing host, the directory comes from the line's image
    /// reference. A registry the rule does not list is refused with the key to add (`route: registry`), or
    /// sent to the system route with that reason (`auto`, as for every registry-route refusal); listed,
    /// or the failing host itself, or under `trust_any`, it is written.
    @Test func aRegistryTheRuleDoesNotListIsNotWritten() throws {
        let d = try detection("registry.prod.example/app:1", path: "/v2/app/manifests/1", host: "registry.corp.example", port: 443)
        let allowed = try rule("registry.corp.example")
        guard case .failure(let refusal) = choose(.registry, ["containerd.service"], d, rule: allowed) else {
            Issue.record("route: registry must refuse a registry the rule does not name")
            return
        }
        #expect(refusal.description.contains(#"registries: ["registry.prod.example"]"#), "\(refusal)")
        #expect(refusal.description.contains("registry.corp.example (line 7)"))
        let auto = try choose(.auto, ["containerd.service"], d, rule: allowed).get()
        #expect(auto.target == .system && auto.why.contains("registries"), "\(auto.why)")

        let listing = try rule("registry.corp.example", registries: ["registry.prod.example"])
        #expect(try choose(.registry, ["containerd.service"], d, rule: listing).get().target.directories == ["/etc/containerd/certs.d/registry.prod.example"])
        #expect(try choose(.registry, ["containerd.service"], d).get().target.route == .registry, "trust_any: any registry")
        // A port is part of the name: registry.prod.example:5000 is another directory, another registry.
        let other = try detection("registry.prod.example:5000/app:1", host: "registry.corp.example", port: 443)
        #expect(choose(.registry, ["containerd.service"], other, rule: listing).failureValue != nil)
    }

    @Test(arguments: [
        ("registry.corp.example:5000/app:1", "registry.corp.example", 5000, true),
        ("registry.corp.example/app:1", "registry.corp.example", 443, true),
        ("registry.corp.example:443/app:1", "registry.corp.example", 443, true),
        ("library/nginx:1", "registry-1.docker.io", 443, true),
        ("registry.corp.example/app:1", "registry.corp.example", 5000, false),
        ("registry.corp.example:5000/app:1", "registry.corp.example", 443, false),
        ("other.corp.example/app:1", "registry.corp.example", 443, false),
    ] as [(String, String, Int, Bool)])
    func theFailingHostItselfIsAuthorised(reference: String, host: String, port: Int, same: Bool) throws {
        let registry = try RegistryHost(reference: reference)
        let endpoint = try Endpoint(host: host, port: port)
        #expect(RegistryScope.isSameHost(registry, endpoint) == same)
        #expect((RegistryScope.refusal(registry, endpoint: endpoint, rule: try rule(host)) == nil) == same)
    }

    @Test func systemIsSystem() throws {
        #expect(try choose(.system, ["docker.service"], try detection("registry.corp.example:5000/app")).get().target == .system)
    }

    @Test(arguments: [
        (#"{"features": {"containerd-snapshotter": true}}"#, true),
        (#"{"features": {"containerd-snapshotter": false}, "live-restore": true}"#, false),
        (#"{"live-restore": true}"#, false),
        ("{}", false),
    ] as [(String, Bool)])
    func dockerImageStoreFromDaemonJSON(json: String, snapshotter: Bool) throws {
        let config = try DockerDaemonConfig(parsing: Array(json.utf8))
        #expect(DockerImageStore(daemonJSON: config).containerdSnapshotter == snapshotter)
    }
}
