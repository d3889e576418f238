import Foundation
import Testing
@testable import TrustmendCore

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
        // The engines keep the registry as the reference spells it and look up certs.d/<that> (RegistryHost).
        ("Registry.Corp/app", "Registry.Corp"),
        ("Registry.Corp.Example:5000/team/app:1", "Registry.Corp.Example:5000"),
        ("[2001:DB8::1]:5000/app", "[2001:DB8::1]:5000"),
        ("Index.Docker.io/library/nginx", "Index.Docker.io"),
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

    /// The spelling names the directory; the lower-case host is what rules and endpoints compare.
    @Test func theSpellingIsKeptAndTheHostIsLowerCase() throws {
        let registry = try RegistryHost(reference: "Registry.Corp.Example:5000/app:1")
        #expect(registry.host == "registry.corp.example" && registry.spelling == "Registry.Corp.Example")
        #expect(RegistryEngine.docker.directory(for: registry) == "/etc/docker/certs.d/Registry.Corp.Example:5000")
        #expect(registry != (try RegistryHost(reference: "registry.corp.example:5000/app:1")), "two directories")

        // A /v2/ request without an image reference: the URL's host as the engine logged it.
        let line = #"level=error msg="pull failed" error="Get "https://Registry.Corp.Example:5000/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority""#
        let detection = try #require(LogScanner().scan(line: Substring(line), number: 1))
        #expect(detection.endpoint?.host == "registry.corp.example")
        #expect(try RegistryHost.of(detection).get().directoryName == "Registry.Corp.Example:5000")

        // What an earlier version encoded (no spelling) decodes as its host.
        let old = try JSONDecoder().decode(RegistryHost.self, from: Data(#"{"host":"registry.corp","port":5000}"#.utf8))
        #expect(old.directoryName == "registry.corp:5000")
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
            // Endpoints found other than by the URL (issue 17, item 5): the reference still decides when
            // there is one; a host field with the cut URL's /v2/ path is the registry; without a path, none.
            54: "registry.example:5000", 55: "mirror.corp.example", 56: nil, 57: nil, 58: "registry.example", 59: "docker.io",
            60: "10.0.0.5:5000", 61: "registry.example:5000", 62: "registry.example", 63: "registry.example:5000", 64: "registry.example",
            65: nil, 66: nil, 67: nil, 68: nil, 69: nil, 70: "registry.example", 71: "registry.example", 72: nil, 73: nil, 74: nil, 75: nil,
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
