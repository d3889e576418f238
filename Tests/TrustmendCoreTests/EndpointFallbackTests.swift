import Testing
@testable import TrustmendCore

/// Issue 17, item 5: when the URL names no endpoint, the scanner looks for one elsewhere in the line, in
/// this order of trust — a URL Go's path cleaning left with one slash, containerd's `host` field, the
/// image reference's registry — and only where the failing request was the registry's own. The corpus
/// holds the real shapes (`CorpusTests`); these pin the order and the edges.
@Suite struct EndpointFallbackTests {
    static func scan(_ line: String) -> Detection? { LogScanner().scan(line: Substring(line), number: 1) }

    /// One containerd resolver line in four states: each place is used only when the ones above it name
    /// nothing, and the line stays a detection throughout.
    @Test func eachPlaceIsUsedOnlyWhenTheOnesBeforeItNameNothing() throws {
        let resolver = #"level=info msg="trying next host" error="failed to resolve reference \"ref.example/app:1\": failed to do request: Head \"https://URL/v2/app/manifests/1\": x509: certificate signed by unknown authority" HOST"#
        let cases: [(url: String, host: String, endpoint: String?, from: EndpointSource?)] = [
            ("url.example:5000", #"host="field.example:6000""#, "url.example:5000", .url),
            ("…", #"host="field.example:6000""#, "field.example:6000", .hostField),
            ("…", "", "ref.example:443", .imageReference),
            ("…", #"host="bad host""#, "ref.example:443", .imageReference),
        ]
        for c in cases {
            let line = resolver.replacingOccurrences(of: "URL", with: c.url).replacingOccurrences(of: "HOST", with: c.host)
            let detection = try #require(Self.scan(line), "\(line)")
            #expect(detection.endpoint?.authority == c.endpoint, "\(line)")
            #expect(detection.endpointFrom == c.from, "\(line)")
        }
        // Without the reference too: a detection with no endpoint, the cut host as the line shows it.
        let bare = resolver.replacingOccurrences(of: "URL", with: "…").replacingOccurrences(of: "HOST", with: "")
            .replacingOccurrences(of: #"failed to resolve reference \"ref.example/app:1\": "#, with: "")
        let detection = try #require(Self.scan(bare))
        #expect(detection.endpoint == nil && detection.endpointFrom == nil)
        #expect(detection.host == "…")
    }

    /// A URL with one slash names the endpoint, but never makes a line a detection: the pull words must
    /// be there, as for a line with no URL; the two-slash URL to `/v2/` needs none.
    @Test func aRepairedURLNeverMakesADetection() throws {
        let bare = "Get https:/registry.example:5000/v2/: x509: certificate signed by unknown authority"
        #expect(Self.scan(bare) == nil)
        #expect(Self.scan(bare.replacingOccurrences(of: "https:/", with: "https://"))?.endpointFrom == .url)
        let pulled = try #require(Self.scan("Error response from daemon: " + bare))
        #expect(pulled.endpoint?.authority == "registry.example:5000")
        #expect(pulled.endpointFrom == .repairedURL)
        #expect(pulled.path == "/v2/")
        // A URL as it is comes first, wherever it stands.
        let both = #"failed to resolve reference "r.example/a:1": Head "https://whole.example/v2/a/manifests/1" via "https:/cleaned.example/v2/": x509: certificate signed by unknown authority"#
        #expect(Self.scan(both)?.endpoint?.host == "whole.example")
    }

    @Test(arguments: [
        // Not the shape path.Clean makes: no slash, two (empty authority), three; a letter before the scheme.
        "Error response from daemon: Get https:registry.example/v2/: x509: certificate signed by unknown authority",
        "Error response from daemon: Get https:///registry.example/v2/: x509: certificate signed by unknown authority",
        "Error response from daemon: Get xhttps:/registry.example/v2/: x509: certificate signed by unknown authority",
    ])
    func onlyTheShapeGoMakesIsRepaired(line: String) throws {
        let detection = try #require(Self.scan(line))
        #expect(detection.endpoint == nil, "\(line)")
    }

    @Test(arguments: [
        (#"a=1 host=registry.example b=2"#, "registry.example"),
        (#"msg="trying next host" host="registry.example:5000""#, "registry.example:5000"),
        (#"host="[fd00::1]:5000" method=HEAD"#, "[fd00::1]:5000"),
        ("msg=x\thost=tab.example", "tab.example"),
        ("\u{1b}[36mhost\u{1b}[0m=coloured.example", "coloured.example"),
        (#"error="Head \"https://x/\": host=inside.example" url=x"#, nil),  // inside a quoted value
        (#"error="a \\\" host=escaped.example \" b" x=1"#, nil),  // an escaped quote does not end the value
        (#"http.request.host=registry.example"#, nil),  // another key
        (#"xhost=registry.example"#, nil),
        (#"host=one.example host=two.example"#, nil),  // a logger writes a key once
        (#"host="a\"b.example""#, nil),
        (#"host="unterminated.example"#, nil),
        (#"host="#, nil),
        (#"host="""#, nil),
    ] as [(String, String?)])
    func theHostFieldIsALogfmtKeyOutsideQuotes(line: String, value: String?) {
        let found = Array(line.utf8).withUnsafeBufferPointer { EndpointFallback.hostField($0) }
        #expect(found == value, "\(line)")
    }

    @Test(arguments: [
        ("nginx", "registry-1.docker.io:443"),
        ("nginx:1.27", "registry-1.docker.io:443"),
        ("library/nginx@sha256:0123", "registry-1.docker.io:443"),
        ("docker.io/library/nginx:1.27", "registry-1.docker.io:443"),
        ("index.docker.io/bitnami/redis", "registry-1.docker.io:443"),
        ("docker://quay.io/coreos/etcd:v3", "quay.io:443"),
        ("registry.example:5000/team/app:1.2", "registry.example:5000"),
        ("localhost/app", "localhost:443"),
        ("[fd00::1]:5000/app", "[fd00::1]:5000"),
        ("docker.io:5000/app", "docker.io:5000"),
    ])
    func aReferenceIsAskedWhereTheEnginesAskIt(reference: String, authority: String) throws {
        #expect(try Endpoint(registryOf: reference).authority == authority)
    }

    @Test(arguments: ["evil.example:99999/app", "a..b/app", "ev il.example/app", "x_\u{1b}[31m.example/app"])
    func aHostileReferenceNamesNoEndpoint(reference: String) {
        #expect(throws: EndpointError.self) { try Endpoint(registryOf: reference) }
    }

    /// The reference's registry is the registry; it names the endpoint only where the registry itself was
    /// asked. A token, a blob download or a cut URL to another path may be another server's failure.
    @Test(arguments: [
        #"failed to resolve reference "r.example/a:1": failed to authorize: failed to fetch anonymous token: Get "…": x509: certificate signed by unknown authority"#,
        #"Failed to pull image "r.example/a:1": failed to pull and unpack image "r.example/a:1": failed to copy: httpReadSeeker: failed open: failed to do request: Get "…": x509: certificate signed by unknown authority"#,
        #"failed to pull and unpack image "r.example/a:1": failed to do request: Get "https://…/registry-v2/docker/blobs/data": x509: certificate signed by unknown authority"#,
        #"Failed to pull image "r.example/a:1": Error response from daemon: Get "…": x509: certificate signed by unknown authority"#,
    ])
    func theReferenceNamesOnlyTheRegistrysOwnRequest(line: String) throws {
        let detection = try #require(Self.scan(line), "\(line)")
        #expect(detection.endpoint == nil, "\(line)")
        #expect(detection.reference == "r.example/a:1")
    }

    /// A URL cut short in its host (`https://registry.exa...`) is cut, not a sentence's end: the host is not
    /// taken for `registry.exa`. A path after a whole host keeps that host.
    @Test func anEllipsisIsNotTheEndOfAHostName() throws {
        let cut = try #require(Self.scan(#"failed to do request: Head "https://registry.exa...": x509: certificate signed by unknown authority"#))
        #expect(cut.endpoint == nil)
        let whole = try #require(Self.scan(#"failed to do request: Head "https://registry.example/v2/app/...": x509: certificate signed by unknown authority"#))
        #expect(whole.endpoint?.authority == "registry.example:443")
        #expect(whole.endpointFrom == .url)
        // A sentence's end after the URL is still trimmed.
        #expect(Self.scan("Get https://registry.example/v2/. x509: certificate signed by unknown authority")?.endpoint?.host == "registry.example")
    }
}
