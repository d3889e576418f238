import Foundation
import Testing
@testable import TrustmendCore

/// containerd's effective `config_path`, from real configuration files: `containerd config default` of
/// Debian's containerd 1.6.20, that file with `config_path` set, the 2.x layout, imports (merge order and
/// whole-table replacement checked against containerd 1.6.20's `config dump`), version 1 and dotted keys.
@Suite struct ContainerdConfigTests {
    static let fixtures = CorpusTests.packageRoot.appendingPathComponent("Tests/TrustmendCoreTests/Fixtures/containerd").path

    /// Loads `/etc/containerd/config.toml` from a fixture tree (node paths mapped under it), or one file.
    func load(_ name: String) throws -> ContainerdRegistryConfig {
        let base = Self.fixtures + "/" + name
        var isDirectory: ObjCBool = false
        try #require(FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), "no fixture \(name)")
        let main = isDirectory.boolValue ? "/etc/containerd/config.toml" : "/config.toml"
        return try ContainerdRegistryConfig.load(
            path: main,
            read: { path in
                let onDisk = isDirectory.boolValue ? base + path : (path == "/config.toml" ? base : "/nonexistent")
                return try? String(contentsOfFile: onDisk, encoding: .utf8)
            },
            list: { try? FileManager.default.contentsOfDirectory(atPath: base + $0) })
    }

    static let v16 = ContainerdVersion(major: 1, minor: 6)
    static let v20 = ContainerdVersion(major: 2, minor: 0)
    static let v21 = ContainerdVersion(major: 2, minor: 1)
    static let v22 = ContainerdVersion(major: 2, minor: 2)

    @Test func theDefaultOf16ReadsNoCertsD() throws {
        let config = try load("1.6-default.toml")
        #expect(config.configPath == "")
        let coverage = ContainerdCoverage(config: config, version: Self.v16)
        #expect(!coverage.covered)
        #expect(coverage.why.contains("config_path is not set"))
    }

    @Test func configPathIn16Covers() throws {
        let config = try load("1.6-config-path.toml")
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(ContainerdCoverage(config: config, version: Self.v16).covered)
        // The version does not matter for one directory.
        #expect(ContainerdCoverage(config: config, version: nil).covered)
        #expect(ContainerdCoverage(config: config, version: Self.v22).covered)
    }

    @Test func the2xLayoutIsRead() throws {
        let config = try load("2.x-images.toml")
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(config.useLocalImagePull == false)
        #expect(ContainerdCoverage(config: config, version: Self.v20).covered)
    }

    @Test(arguments: [
        (ContainerdVersion(major: 2, minor: 0), true),  // before the transfer service: a list is split
        (ContainerdVersion(major: 2, minor: 1), false),  // the transfer service reads it as one directory
        (ContainerdVersion(major: 2, minor: 2), false),
    ] as [(ContainerdVersion, Bool)])
    func aColonListDependsOnTheTransferService(version: ContainerdVersion, covered: Bool) throws {
        let config = try load("2.2-colon-list.toml")
        let coverage = ContainerdCoverage(config: config, version: version)
        #expect(coverage.covered == covered, "\(coverage.why)")
        if !covered { #expect(coverage.why.contains("containerd#12808")) }
        #expect(!ContainerdCoverage(config: config, version: nil).covered, "an unknown version is not trusted with a list")
    }

    @Test func localPullsSplitTheList() throws {
        let config = try load("2.2-colon-list-local-pull.toml")
        #expect(config.useLocalImagePull)
        #expect(ContainerdCoverage(config: config, version: Self.v22).covered)
    }

    @Test func the22DefaultListNeedsLocalPulls() {
        let none = ContainerdRegistryConfig()
        #expect(!ContainerdCoverage(config: none, version: Self.v21).covered)
        let defaulted = ContainerdCoverage(config: none, version: Self.v22)
        #expect(!defaulted.covered && defaulted.why.contains("defaults to"))
        #expect(ContainerdCoverage(config: ContainerdRegistryConfig(useLocalImagePull: true), version: Self.v22).covered)
    }

    @Test func version1AndDottedKeys() throws {
        #expect(try load("v1-plugins-cri.toml").configPath == "/etc/containerd/certs.d")
        let dotted = try load("dotted-keys.toml")
        #expect(dotted.configPath == "/etc/containerd/certs.d/")
        #expect(ContainerdCoverage(config: dotted, version: Self.v16).covered, "a trailing slash names the same directory")
    }

    @Test func importsOverrideTheMainFile() throws {
        let config = try load("imports")
        #expect(config.files == ["/etc/containerd/config.toml", "/etc/containerd/conf.d/10-registry.toml"])
        #expect(config.configPath == "/etc/containerd/certs.d")
        #expect(config.criFile == "/etc/containerd/conf.d/10-registry.toml")
        #expect(ContainerdCoverage(config: config, version: Self.v16).covered)
    }

    @Test func aLaterImportReplacesTheWholePluginTable() throws {
        let config = try load("imports-replaced")
        #expect(config.files.last == "/etc/containerd/conf.d/20-runtime.toml")
        #expect(config.configPath == nil)
        #expect(!ContainerdCoverage(config: config, version: Self.v16).covered)
    }

    @Test func aMissingMainFileIsTheDefaults() throws {
        let config = try ContainerdRegistryConfig.load(path: "/etc/containerd/config.toml", read: { _ in nil }, list: { _ in nil })
        #expect(config.files.isEmpty && config.configPath == nil)
    }

    @Test func aBrokenFileNamesItselfAndTheLine() {
        let error = #expect(throws: ContainerdConfigError.self) {
            try ContainerdRegistryConfig.load(
                path: "/etc/containerd/config.toml", read: { _ in "version = 2\n[plugins\nx = 1\n" }, list: { _ in nil })
        }
        #expect(error?.description.contains("/etc/containerd/config.toml") == true)
        #expect(error?.description.contains("line 2") == true)
    }

    @Test func aConfigurationChangedAfterStartIsNotWhatContainerdDoes() throws {
        let config = try load("1.6-config-path.toml")
        let coverage = ContainerdCoverage(config: config, version: Self.v16, changedSinceStart: ["/etc/containerd/config.toml"])
        #expect(!coverage.covered)
        #expect(coverage.why.contains("restart containerd once"))
    }

    @Test func versionOutputs() {
        #expect(ContainerdVersion(versionOutput: "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3") == Self.v16)
        #expect(ContainerdVersion(versionOutput: "containerd containerd.io v2.2.0 1c4457e00facac03ce1d75f7b6777a7a851e5c41") == Self.v22)
        #expect(ContainerdVersion(versionOutput: "garbage") == nil)
    }
}

@Suite struct TOMLReaderTests {
    @Test func valuesTablesAndKeys() throws {
        let doc = try TOMLReader.parse(#"""
            # comment
            title = "a \"quoted\" \u00e9 string" # trailing comment
            literal = 'C:\path'
            n = 1_000
            hex = 0xff
            f = 3.5
            on = true
            when = 1979-05-27T07:32:00Z
            list = [
              "a", # inside
              'b',
            ]
            inline = { x = 1, y.z = "deep" }
            multi = """
            line one
            line two"""
            [a."b.c".d]
            e = 'x'
            [[servers]]
            name = "one"
            [[servers]]
            name = "two"
            [servers.extra]
            k = 1
            """#)
        #expect(doc["title"]?.string == "a \"quoted\" é string")
        #expect(doc["literal"]?.string == #"C:\path"#)
        #expect(doc["n"]?.integer == 1000)
        #expect(doc["hex"]?.integer == 255)
        #expect(doc["f"] == .float(3.5))
        #expect(doc["on"]?.bool == true)
        #expect(doc["when"] == .datetime("1979-05-27T07:32:00Z"))
        #expect(doc["list"]?.array == [.string("a"), .string("b")])
        #expect(doc.value(at: ["inline", "y", "z"])?.string == "deep")
        #expect(doc["multi"]?.string == "line one\nline two")
        #expect(doc.value(at: ["a", "b.c", "d", "e"])?.string == "x")
        let servers = doc["servers"]?.array ?? []
        #expect(servers.count == 2)
        #expect(servers.last?.value(at: ["extra", "k"])?.integer == 1)
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, "defined twice"),
        ("[t]\n[t]\n", 2, "defined twice"),
        ("a = \"open\n", 1, "not closed"),
        ("a = bare\n", 1, "not a TOML value"),
        ("a = 1 b\n", 1, "unexpected text"),
        ("\n\n[x\n", 3, "must end with ']'"),
        ("a = [1, 2\n", 2, "not closed"),
    ] as [(String, Int, String)])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLReader.parse(text) }
        #expect(error?.line == line, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.message.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }
}

@Suite struct RegistryHostTests {
    @Test(arguments: [
        ("registry.corp.example:5000/team/app:1.2", "registry.corp.example:5000"),
        ("registry.corp.example/app@sha256:abc", "registry.corp.example"),
        ("localhost/app", "localhost"),
        ("localhost:5000/app", "localhost:5000"),
        ("[::1]:5000/app", "[::1]:5000"),
        ("10.78.0.228:5000/monitorms", "10.78.0.228:5000"),
        ("nginx", "docker.io"),
        ("library/nginx:1.25", "docker.io"),
        ("bitnami/redis", "docker.io"),
        ("docker.io/library/nginx", "docker.io"),
        ("index.docker.io/library/nginx", "docker.io"),
        ("docker://quay.io/coreos/etcd", "quay.io"),
        ("Registry.Corp/app", "registry.corp"),
    ] as [(String, String)])
    func fromImageReferences(reference: String, directory: String) throws {
        #expect(try RegistryHost(reference: reference).directoryName == directory)
    }

    @Test(arguments: [
        ("registry-1.docker.io", 443, "docker.io"), ("index.docker.io", 443, "docker.io"), ("registry-1.docker.io", 5000, "registry-1.docker.io:5000"),
        ("registry.corp.example", 443, "registry.corp.example"), ("registry.corp.example", 5000, "registry.corp.example:5000"),
    ] as [(String, Int, String)])
    func fromEndpoints(host: String, port: Int, directory: String) throws {
        #expect(RegistryHost(endpoint: try Endpoint(host: host, port: port)).directoryName == directory)
    }

    @Test(arguments: ["evil.example:99999/app", "a..b/app", "ev il.example/app", "x_\u{1b}[31m.example/app"])
    func hostileReferencesAreRefused(reference: String) {
        #expect(throws: EndpointError.self) { try RegistryHost(reference: reference) }
    }

    /// Every detected line of the corpus names the directory its registry's trust belongs in, or says why
    /// it cannot: a CDN or token host without an image reference is not a registry.
    @Test func everyCorpusLineShape() throws {
        let expected: [Int: String?] = [
            2: "local-repository.com", 3: "x.x.x.x" /* a redacted address, still a valid name */, 8: "docker.io", 9: "s01vl9973404:5050",
            10: "ks.harbor.com", 11: "registry.opsman.top", 13: "my.registry", 16: "docker.io", 17: nil, 18: nil, 19: nil, 20: "docker.io",
            26: "mcr.microsoft.com", 27: nil, 28: "docker.io", 30: "docker.io", 31: "xxx.yyy.zzz", 33: "k8s.gcr.io",
            34: "10.78.0.228:5000", 35: "registry.k8s.io", 36: "pvt-registry.com", 37: "registry.k8s.io", 41: nil,
            42: "harbor-001.yh:5000", 46: "reg.xxx.cn", 47: "docker.io", 48: "image-registry.openshift-image-registry.svc:5000",
        ]
        let cases = try CorpusTests.load(CorpusTests.fixture)
        var checked = 0
        for c in cases {
            guard let detection = LogScanner().scan(line: Substring(c.line), number: c.index) else { continue }
            guard let want = expected[c.index] else {
                Issue.record("corpus line \(c.index) is detected but has no expected registry here: \(c.line)")
                continue
            }
            let got = try? RegistryHost.of(detection).get().directoryName
            #expect(got == want, "corpus line \(c.index): \(c.line)")
            checked += 1
        }
        #expect(checked == expected.count)
    }
}

@Suite struct RoutePlannerTests {
    static let covered = ContainerdCoverage(covered: true, why: "config_path = \"/etc/containerd/certs.d\"")
    static let notCovered = ContainerdCoverage(covered: false, why: "config_path is not set")
    static let legacy = DockerImageStore(daemonJSON: nil)
    static let snapshotter = DockerImageStore(daemonJSON: DockerDaemonConfig(liveRestore: false, containerdSnapshotter: true))

    func detection(_ reference: String?, path: String? = "/v2/app/manifests/1", host: String = "registry.corp.example", port: Int = 5000) throws -> Detection {
        Detection(line: 1, endpoint: try Endpoint(host: host, port: port), engine: .containerd, reference: reference, path: path)
    }

    func choose(_ route: TrustRoute, _ units: [String], _ d: Detection, containerd: ContainerdCoverage = covered, docker: DockerImageStore = legacy)
        -> Result<RouteChoice, RouteRefusal>
    {
        RoutePlanner.choose(
            route, engines: units.map { ($0, RegistryEngine(unit: $0)) }, detection: d,
            facts: RouteFacts(containerd: containerd, docker: docker))
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
        #expect(try choose(.auto, ["containerd.service"], d).get().target.directories == ["/etc/containerd/certs.d/registry.corp.example"])
        // Without an image reference, a token or CDN host is not a registry: the system route, with why.
        let bare = try detection(nil, path: "/service/token", host: "auth.corp.example", port: 443)
        let choice = try choose(.auto, ["containerd.service"], bare).get()
        #expect(choice.target == .system && choice.why.contains("token server or CDN"))
        // A /v2/ request is the registry itself.
        let v2 = try detection(nil, path: "/v2/", host: "registry.corp.example", port: 443)
        #expect(try choose(.auto, ["docker.service"], v2).get().target.directories == ["/etc/docker/certs.d/registry.corp.example"])
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
