import Foundation
import Testing
import TrustmendConfig
import TrustmendCore

@Suite struct ConfigurationTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func parse(_ text: String) throws -> Configuration {
        try Configuration(yaml: LibYAMLParser.parse(text))
    }

    @Test func theShippedDefaultFileIsTheBuiltInDefaults() throws {
        let text = try String(contentsOfFile: Self.packageRoot + "/packaging/config.yaml", encoding: .utf8)
        #expect(try parse(text) == Configuration())
        #expect(try parse(text).reportOnly)
    }

    @Test func anEmptyFileIsTheDefaults() throws {
        #expect(try parse("") == Configuration())
        #expect(try parse("# nothing\n") == Configuration())
    }

    @Test func readsEveryKey() throws {
        let config = try parse("""
            mode: enforce
            route: system
            anchor: full-chain
            allow:
              - host: "registry.corp.example"
                port: 5000
                route: registry
                sha256: ["9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"]
              - host: "*.harbor.example"
                anchor: top-ca
            sources:
              journal:
                enabled: false
                units: [containerd.service]
                look_back: 1h30m
                directory: /var/log/journal/x
              files: [/var/log/messages]
            restart:
              containerd: never
              docker: always
              min_interval: 5m
              timeout: 30s
            debounce: 500ms
            backoff: 1h
            max_installs_per_hour: 3
            fetch:
              connect_timeout: 3s
              handshake_timeout: 4s
              proxy: http://proxy.corp:3128
              unlisted_hosts: true
            update_tool_timeout: 60
            state_directory: /var/lib/tm
            """)
        #expect(config.mode == .enforce)
        #expect(config.anchor == .fullChain)
        #expect(config.allow.count == 2)
        #expect(config.allow[0].port == 5000)
        #expect(config.allow[0].sha256 == ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"])
        #expect(config.allow[0].line == 5)
        #expect(config.route == .system && config.allow[0].route == .registry && config.allow[1].route == nil)
        #expect(config.allow[1].anchor == .topCA)
        #expect(!config.journalEnabled)
        #expect(config.journalUnits == ["containerd.service"])
        #expect(config.journalLookBack == .seconds(5400))
        #expect(config.files == ["/var/log/messages"])
        #expect(config.restartContainerd == .never && config.restartDocker == .always)
        #expect(config.restartMinInterval == .seconds(300) && config.restartTimeout == .seconds(30))
        #expect(config.debounce == .milliseconds(500))
        #expect(config.maxInstallsPerHour == 3)
        #expect(config.proxy == .url(try ProxyURL(parsing: "http://proxy.corp:3128")))
        #expect(config.updateToolTimeout == .seconds(60))
        #expect(config.fetchUnlisted)
        #expect(!config.reportOnly)
        #expect(!Configuration().fetchUnlisted, "hosts outside the allow list are not fetched unless asked")
    }

    /// Each bad file: the error names the key (or the problem) and the line.
    @Test(arguments: [
        ("mode: enforce\nallow:\n  - host: a.example\n    prot: 5000\n", "unknown key \"allow[].prot\"", 4),
        ("mdoe: enforce\n", "unknown key \"mdoe\"", 1),
        ("restart:\n  docker: sometimes\n", "restart.docker must be one of when-live-restore, always, never", 2),
        ("allow:\n  - host: \"*\"\n", "trust_any", 2),
        ("allow:\n  - host: \"reg/../x\"\n", "not a host name", 2),
        ("allow:\n  - port: 5000\n", "needs a host", 2),
        ("allow:\n  - host: a.example\n    sha256: [abc]\n", "64 hex digits", 3),
        ("allow:\n  - host: a.example\n    port: 70000\n", "from 1 to 65535", 3),
        ("debounce: soon\n", "duration", 1),
        ("route: certs.d\n", "route must be one of auto, system, registry", 1),
        ("allow:\n  - host: a.example\n    route: scoped\n", "allow[].route must be one of auto, system, registry", 3),
        ("sources:\n  files: [relative/path]\n", "absolute path", 2),
        ("mode: enforce\nmode: report\n", "given twice", 2),
        ("a: &x [1]\nb: *x\n", "anchors", 1),
        ("key: [unclosed\n", "not valid YAML", 2),
        ("- just\n- a list\n", "must be a mapping", 1),
        ("sources:\n  journal:\n    units: [\"evil; rm -rf /\"]\n", "not a systemd unit name", 3),
        ("trust_any: true\nallow:\n  - host: a.example\n", "ambiguous", 0),
        ("---\nmode: report\n---\nmode: enforce\n", "one YAML document", 3),
        ("fetch:\n  unlisted_hosts: sometimes\n", "fetch.unlisted_hosts", 2),
    ])
    func badFilesAreRefusedWithTheLineAndKey(text: String, message: String, line: Int) throws {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.line == line, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("registry.corp.example", "registry.corp.example", true),
        ("registry.corp.example", "Registry.Corp.Example", true),
        ("registry.corp.example", "evil-registry.corp.example", false),
        ("*.corp.example", "a.corp.example", true),
        ("*.corp.example", "a.b.corp.example", true),
        ("*.corp.example", "corp.example", false),
        ("*.corp.example", "corp.example.evil.com", false),
        ("*.corp.example", "xcorp.example", false),
        ("registry-*.corp.example", "registry-eu1.corp.example", true),
        ("registry-*.corp.example", "registry-eu1.x.corp.example", false),
        ("registry-*.corp.example", "registry.corp.example", false),
        ("10.0.0.5", "10.0.0.5", true),
        ("[::1]", "::1", true),
    ])
    func hostPatterns(pattern: String, host: String, matches: Bool) throws {
        #expect(try HostPattern(pattern).matches(host) == matches)
    }

    /// Globs that would allow whole top-level domains or address ranges are refused, with the rule.
    @Test(arguments: ["*.*", "*.com", "*.1", "x*.com", "a.*.example", "*.*.example", "10.*.0.1", "*.0.0.1"])
    func broadGlobsAreRefused(pattern: String) {
        let error = #expect(throws: ConfigError.self) { try HostPattern(pattern) }
        #expect(error?.message.contains("too broad") == true || error?.message.contains("IP addresses") == true, "\(String(describing: error))")
    }

    @Test(arguments: ["*.corp.example", "registry-*.corp.example", "*.co.uk", "a.*.corp.example"])
    func narrowGlobsAreAccepted(pattern: String) throws {
        _ = try HostPattern(pattern)
    }

    /// `allow[].registries` (issue 16, item 3): exact registry names a token or CDN host of the rule may
    /// have its CA written for; a scalar is one name; Docker Hub's API hosts are `docker.io`.
    @Test func registriesAreExactNames() throws {
        let config = try parse("""
            allow:
              - host: auth.corp.example
                registries: [registry.prod.example, "registry.prod.example:5000", "[fd00::5]:5000", index.docker.io]
              - host: cdn.corp.example
                registries: registry.prod.example
              - host: registry.corp.example
            """)
        #expect(config.allow[0].registries.map(\.directoryName) == [
            "registry.prod.example", "registry.prod.example:5000", "[fd00::5]:5000", "docker.io",
        ])
        #expect(config.allow[1].registries == [try RegistryHost(parsing: "registry.prod.example")])
        #expect(config.allow[2].registries.isEmpty)
    }

    @Test(arguments: [
        ("allow:\n  - host: a.example\n    registries: [\"*.prod.example\"]\n", "is a glob; registries are exact names", 3),
        ("allow:\n  - host: a.example\n    registries:\n      - registry.prod.example\n      - \"https://registry.prod.example\"\n",
         "is not a registry name", 5),
        ("allow:\n  - host: a.example\n    registries: [\"registry.prod.example/app\"]\n", "host or host:port", 3),
        ("allow:\n  - host: a.example\n    registries: [\"r.example:99999\"]\n", "is not a registry name", 3),
        ("allow:\n  - host: a.example\n    registries: {a: b}\n", "allow[].registries must be a list", 3),
        ("allow:\n  - host: a.example\n    route: system\n    registries: [r.example]\n", "the system route never writes", 2),
        ("route: system\nallow:\n  - host: a.example\n    registries: [r.example]\n", "give the rule route: registry or auto", 3),
    ])
    func badRegistriesAreRefusedWithTheLine(text: String, message: String, line: Int) throws {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.line == line, "\(String(describing: error))")
    }

    @Test func aliasBombIsRefused() {
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
        #expect(throws: ConfigError.self) { try parse(bomb) }
    }
}
