import Foundation
import Testing
@testable import TrustmendCore

/// The walk on canned answers: which request follows which answer, and how it ends.
@Suite struct RegistryWalkTests {
    static let configDigest = "sha256:" + String(repeating: "c", count: 64)
    static let amd64Digest = "sha256:" + String(repeating: "a", count: 64)
    static let armDigest = "sha256:" + String(repeating: "b", count: 64)

    /// Drives a walk: each request is answered from `answers` by "host:port/target", or gets no answer.
    static func walk(
        _ reference: String, _ answers: [String: RegistryResponse], platform: String = "linux/amd64", maxRedirects: Int = 5
    ) throws -> (requests: [RegistryRequest], end: TraceEnd?) {
        var walk = RegistryWalk(reference: try ImageReference(parsing: reference), options: TraceOptions(platform: platform, maxRedirects: maxRedirects))
        var requests: [RegistryRequest] = []
        while let request = walk.next, requests.count < 50 {
            requests.append(request)
            if let answer = answers[request.endpoint.authority + request.url.target] {
                walk.consume(answer)
            } else {
                walk.noAnswer("connection refused")
            }
        }
        return (requests, walk.end)
    }

    static func json(_ text: String, status: Int = 200, type: String? = nil) -> RegistryResponse {
        RegistryResponse(status: status, headers: type.map { [.init("Content-Type", $0)] } ?? [], body: Array(text.utf8))
    }

    static func redirect(_ location: String, status: Int = 307) -> RegistryResponse {
        RegistryResponse(status: status, headers: [.init("Location", location)])
    }

    static func challenge(_ header: String) -> RegistryResponse {
        RegistryResponse(status: 401, headers: [.init("WWW-Authenticate", header)])
    }

    static let manifest = json(#"{"schemaVersion":2,"config":{"digest":"\#(configDigest)"}}"#, type: "application/vnd.oci.image.manifest.v1+json")
    static let index = json(
        #"{"schemaVersion":2,"manifests":[{"digest":"\#(armDigest)","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},"#
            + #"{"digest":"\#(amd64Digest)","platform":{"os":"linux","architecture":"amd64"}}]}"#,
        type: "application/vnd.oci.image.index.v1+json")

    static func header(_ request: RegistryRequest, _ name: String) -> String? { request.headers.first { $0.name == name }?.value }

    @Test func anAnonymousRegistryToTheConfigBlob() throws {
        let r = try Self.walk("reg.example:5000/team/app:1.0", [
            "reg.example:5000/v2/": Self.json("{}"),
            "reg.example:5000/v2/team/app/manifests/1.0": Self.manifest,
            "reg.example:5000/v2/team/app/blobs/\(Self.configDigest)": RegistryResponse(status: 206, body: [0x7b]),
        ])
        #expect(r.end == .complete)
        #expect(r.requests.map(\.summary) == ["GET /v2/", "GET /v2/team/app/manifests/1.0", "GET /v2/team/app/blobs/\(Self.configDigest)"])
        #expect(r.requests.allSatisfy { $0.role == .registry && Self.header($0, "Authorization") == nil })
        let accept = Self.header(r.requests[1], "Accept") ?? ""
        #expect(RegistryWalk.manifestTypes.allSatisfy { accept.contains($0) })
        #expect(Self.header(r.requests[2], "Range") == "bytes=0-0")
        #expect(r.requests[2].bodyLimit <= 16 && r.requests[1].bodyLimit == 4 << 20 && r.requests[0].bodyLimit <= 64 << 10)
    }

    /// Docker Hub's shape: `library/`, the token server, an index, and the blob sent to a CDN.
    @Test func dockerHubWithATokenAnIndexAndACDN() throws {
        let cdn = "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/cc/data?verify=123&sig=secret"
        let r = try Self.walk("nginx", [
            "registry-1.docker.io:443/v2/": Self.challenge(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#),
            "auth.docker.io:443/token?service=registry.docker.io&scope=repository:library/nginx:pull": Self.json(#"{"token":"abc.def"}"#),
            "registry-1.docker.io:443/v2/library/nginx/manifests/latest": Self.index,
            "registry-1.docker.io:443/v2/library/nginx/manifests/\(Self.amd64Digest)": Self.manifest,
            "registry-1.docker.io:443/v2/library/nginx/blobs/\(Self.configDigest)": Self.redirect(cdn),
            "production.cloudflare.docker.com:443/registry-v2/docker/registry/v2/blobs/sha256/cc/data?verify=123&sig=secret": RegistryResponse(status: 200, body: [1]),
        ])
        #expect(r.end == .complete)
        #expect(r.requests.map(\.role) == [.registry, .token, .registry, .registry, .registry, .redirect])
        #expect(Self.header(r.requests[1], "Authorization") == nil, "the token request carries nothing")
        #expect(Self.header(r.requests[2], "Authorization") == "Bearer abc.def")
        #expect(Self.header(r.requests[4], "Authorization") == "Bearer abc.def")
        #expect(Self.header(r.requests[5], "Authorization") == nil, "the token stays with the host it was given for")
        #expect(Self.header(r.requests[5], "Range") == "bytes=0-0")
        #expect(r.requests[5].summary == "GET /registry-v2/docker/registry/v2/blobs/sha256/cc/data", "no signature in what a hop shows")
    }

    @Test(arguments: [
        ("/cdn/blob?x=1", "reg.example:443/cdn/blob?x=1"),
        ("data?x=1", "reg.example:443/v2/app/blobs/data?x=1"),
        ("../../other/blob", "reg.example:443/v2/other/blob"),
        ("//cdn.example:8443/b", "cdn.example:8443/b"),
        ("https://cdn.example:8443/b#frag", "cdn.example:8443/b"),
    ] as [(String, String)])
    func relativeAndAbsoluteRedirects(location: String, asked: String) throws {
        let r = try Self.walk("reg.example/app:1", [
            "reg.example:443/v2/": Self.json("{}"),
            "reg.example:443/v2/app/manifests/1": Self.manifest,
            "reg.example:443/v2/app/blobs/\(Self.configDigest)": Self.redirect(location, status: 302),
            asked: RegistryResponse(status: 206),
        ])
        #expect(r.end == .complete, "\(r.requests.map { $0.endpoint.authority + $0.url.target })")
        #expect(r.requests.last.map { $0.endpoint.authority + $0.url.target } == asked)
        #expect(r.requests.last?.role == .redirect)
    }

    /// Quoted values hold commas; one header may hold two challenges.
    @Test func challengesWithQuotedCommasAndSeveralSchemes() throws {
        let parsed = AuthChallenge.parse(#"Basic realm="a, b", Bearer realm="https://auth.example/token?x=1",service="reg, \"quoted\"",scope="repository:a:pull,push""#)
        #expect(parsed.map(\.scheme) == ["basic", "bearer"])
        #expect(parsed[0].parameters["realm"] == "a, b")
        #expect(parsed[1].parameters["service"] == #"reg, "quoted""#)
        #expect(parsed[1].parameters["scope"] == "repository:a:pull,push")
        #expect(AuthChallenge.parse("Bearer realm=https://auth.example/t, service=reg")[0].parameters == ["realm": "https://auth.example/t", "service": "reg"])

        let r = try Self.walk("reg.example/app:1", [
            "reg.example:443/v2/": Self.challenge(#"Basic realm="x", Bearer realm="https://auth.example/token?x=1",service="reg, x""#),
            "auth.example:443/token?x=1&service=reg%2C%20x&scope=repository:app:pull": Self.json(#"{"access_token":"t0k"}"#),
            "reg.example:443/v2/app/manifests/1": Self.manifest,
            "reg.example:443/v2/app/blobs/\(Self.configDigest)": RegistryResponse(status: 206),
        ])
        #expect(r.end == .complete, "\(r.requests.map(\.url.target))")
        #expect(Self.header(r.requests[2], "Authorization") == "Bearer t0k")
    }

    @Test func aChallengeWithoutBearerNeedsCredentials() throws {
        let basic = try Self.walk("reg.example/app:1", ["reg.example:443/v2/": Self.challenge(#"Basic realm="Registry""#)])
        #expect(basic.end == .needsCredentials(try Endpoint(host: "reg.example")))
        let none = try Self.walk("reg.example/app:1", ["reg.example:443/v2/": RegistryResponse(status: 401)])
        #expect(none.end == .needsCredentials(try Endpoint(host: "reg.example")))
        #expect(none.requests.count == 1)
    }

    @Test func aRefusedTokenNeedsCredentials() throws {
        let challenge = Self.challenge(#"Bearer realm="https://auth.example:5001/token",service="reg""#)
        let refused = try Self.walk("reg.example/app:1", [
            "reg.example:443/v2/": challenge,
            "auth.example:5001/token?service=reg&scope=repository:app:pull": RegistryResponse(status: 401),
        ])
        #expect(refused.end == .needsCredentials(try Endpoint(host: "auth.example", port: 5001)))
        // A token given, then refused for the manifest: the repository is private.
        let private_ = try Self.walk("reg.example/app:1", [
            "reg.example:443/v2/": challenge,
            "auth.example:5001/token?service=reg&scope=repository:app:pull": Self.json(#"{"token":"anon"}"#),
            "reg.example:443/v2/app/manifests/1": challenge,
        ])
        #expect(private_.end == .needsCredentials(try Endpoint(host: "reg.example")))
        #expect(private_.requests.count == 3, "no second token round")
    }

    @Test func aDigestReferenceAndAnIndexResolvedToThePlatform() throws {
        let indexDigest = "sha256:" + String(repeating: "d", count: 64)
        let answers = [
            "reg.example:443/v2/": Self.json("{}"),
            "reg.example:443/v2/app/manifests/\(indexDigest)": Self.index,
            "reg.example:443/v2/app/manifests/\(Self.amd64Digest)": Self.manifest,
            "reg.example:443/v2/app/manifests/\(Self.armDigest)": Self.manifest,
            "reg.example:443/v2/app/blobs/\(Self.configDigest)": RegistryResponse(status: 206),
        ]
        let r = try Self.walk("reg.example/app:1@\(indexDigest)", answers)
        #expect(r.end == .complete)
        #expect(r.requests[1].summary == "GET /v2/app/manifests/\(indexDigest)")
        #expect(r.requests[2].summary == "GET /v2/app/manifests/\(Self.amd64Digest)")
        let arm = try Self.walk("reg.example/app@\(indexDigest)", answers, platform: "linux/arm64")
        #expect(arm.end == .complete && arm.requests[2].summary.hasSuffix(Self.armDigest))
        // An index whose platform entry is an index again: stopped, not followed round.
        var circular = answers
        circular["reg.example:443/v2/app/manifests/\(Self.amd64Digest)"] = Self.index
        let r2 = try Self.walk("reg.example/app@\(indexDigest)", circular)
        guard case .stopped(let why) = r2.end else { Issue.record("\(String(describing: r2.end))"); return }
        #expect(why.contains("is an index again") && r2.requests.count == 3, "\(why)")
    }

    @Test func aPlatformTheIndexLacksStops() throws {
        let r = try Self.walk("reg.example/app:1", ["reg.example:443/v2/": Self.json("{}"), "reg.example:443/v2/app/manifests/1": Self.index], platform: "linux/s390x")
        guard case .stopped(let why) = r.end else { Issue.record("\(String(describing: r.end))"); return }
        #expect(why.contains("no manifest for linux/s390x") && why.contains("linux/arm64/v8, linux/amd64"), "\(why)")
    }

    @Test func aMissingManifestAndANonRegistryStop() throws {
        let missing = try Self.walk("reg.example/app:2", ["reg.example:443/v2/": Self.json("{}"), "reg.example:443/v2/app/manifests/2": RegistryResponse(status: 404)])
        guard case .stopped(let why) = missing.end else { Issue.record("\(String(describing: missing.end))"); return }
        #expect(why.contains("404") && why.contains("no manifest 2 for app"), "\(why)")
        let web = try Self.walk("reg.example/app:2", ["reg.example:443/v2/": RegistryResponse(status: 404)])
        guard case .stopped(let other) = web.end else { Issue.record("\(String(describing: web.end))"); return }
        #expect(other.contains("not a registry"), "\(other)")
        let tooBig = try Self.walk("reg.example/app:2", [
            "reg.example:443/v2/": Self.json("{}"), "reg.example:443/v2/app/manifests/2": RegistryResponse(status: 200, body: [1], truncated: true),
        ])
        guard case .stopped(let big) = tooBig.end else { Issue.record("\(String(describing: tooBig.end))"); return }
        #expect(big.contains("larger than 4 MiB"), "\(big)")
    }

    func blobRedirects(_ hops: [String: RegistryResponse], maxRedirects: Int = 5) throws -> (requests: [RegistryRequest], end: TraceEnd?) {
        var answers = [
            "reg.example:443/v2/": Self.json("{}"),
            "reg.example:443/v2/app/manifests/1": Self.manifest,
        ]
        answers.merge(hops) { $1 }
        return try Self.walk("reg.example/app:1", answers, maxRedirects: maxRedirects)
    }

    @Test func aRedirectLoopStops() throws {
        let r = try blobRedirects([
            "reg.example:443/v2/app/blobs/\(Self.configDigest)": Self.redirect("https://cdn-a.example/x"),
            "cdn-a.example:443/x": Self.redirect("https://cdn-b.example/y"),
            "cdn-b.example:443/y": Self.redirect("https://cdn-a.example/x"),
        ])
        guard case .stopped(let why) = r.end else { Issue.record("\(String(describing: r.end))"); return }
        #expect(why.contains("redirect loop"), "\(why)")
        #expect(r.requests.count == 5)
    }

    @Test func tooManyRedirectsStop() throws {
        var hops = ["reg.example:443/v2/app/blobs/\(Self.configDigest)": Self.redirect("https://cdn.example/1")]
        for n in 1...9 { hops["cdn.example:443/\(n)"] = Self.redirect("/\(n + 1)") }
        let r = try blobRedirects(hops, maxRedirects: 3)
        guard case .stopped(let why) = r.end else { Issue.record("\(String(describing: r.end))"); return }
        #expect(why.contains("more than 3 redirects"), "\(why)")
        #expect(r.requests.count == 2 + 1 + 3, "/v2/, the manifest, the blob and 3 redirects")
        hops["cdn.example:443/3"] = RegistryResponse(status: 200)
        #expect(try blobRedirects(hops, maxRedirects: 3).end == .complete, "3 redirects are within 3")
    }

    @Test func anHTTPRedirectIsAResultSayingSo() throws {
        let r = try blobRedirects(["reg.example:443/v2/app/blobs/\(Self.configDigest)": Self.redirect("http://cdn.example/blob?sig=secret")])
        guard case .stopped(let why) = r.end else { Issue.record("\(String(describing: r.end))"); return }
        #expect(why.contains("http://cdn.example/blob") && why.contains("plain http") && !why.contains("secret"), "\(why)")
        #expect(r.requests.count == 3, "nothing is sent over http")
    }

    @Test func noAnswerStopsAtThatHost() throws {
        let r = try Self.walk("reg.example:5000/app:1", [:])
        #expect(r.end == .stopped("no answer from reg.example:5000 to GET /v2/: connection refused"))
    }

    @Test func headerInjectionFromATokenIsNotSent() throws {
        let r = try Self.walk("reg.example/app:1", [
            "reg.example:443/v2/": Self.challenge(#"Bearer realm="https://auth.example/t""#),
            "auth.example:443/t?scope=repository:app:pull": Self.json(#"{"token":"a\r\nX-Evil: 1"}"#),
        ])
        guard case .stopped(let why) = r.end else { Issue.record("\(String(describing: r.end))"); return }
        #expect(why.contains("without a usable token"), "\(why)")
    }
}
