import Foundation
import Testing
@testable import TrustmendCore

/// The pieces the walk reads with: references, responses as bytes arrive, and the failing host's commands.
@Suite struct TraceFormatsTests {
    @Test(arguments: [
        ("nginx", "registry-1.docker.io:443", "library/nginx", "latest"),
        ("bitnami/redis:7", "registry-1.docker.io:443", "bitnami/redis", "7"),
        ("docker.io/library/nginx:1.25", "registry-1.docker.io:443", "library/nginx", "1.25"),
        ("reg.example:5000/team/app", "reg.example:5000", "team/app", "latest"),
        ("localhost/app:v1.0-rc_1", "localhost:443", "app", "v1.0-rc_1"),
        ("[::1]:5000/a/b/c:x", "[::1]:5000", "a/b/c", "x"),
        ("docker://quay.io/coreos/etcd:v3", "quay.io:443", "coreos/etcd", "v3"),
    ] as [(String, String, String, String)])
    func references(text: String, endpoint: String, repository: String, asked: String) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.endpoint.authority == endpoint)
        #expect(reference.repository == repository)
        #expect(reference.manifestReference == asked)
    }

    @Test(arguments: ["reg.example/App:1", "reg.example/app:-x", "reg.example/a..b", "reg.example/app@sha256:xyz", "reg.example/a b", "reg.example/app:1\r\nX: y", "reg.example/"])
    func invalidReferencesAreRefused(text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: text) }
    }

    static func parse(_ text: String, limit: Int = 1 << 20, pieces: Int = 1, eof: Bool = false) throws -> RegistryResponse {
        var parser = HTTPResponseParser(bodyLimit: limit)
        let bytes = Array(text.utf8)
        let size = max(1, bytes.count / pieces)
        var done = false
        for start in stride(from: 0, to: bytes.count, by: size) where !done {
            done = try parser.feed(bytes[start..<min(bytes.count, start + size)])
        }
        if done { return parser.response! }
        #expect(eof, "the response should have been complete without the connection's end")
        return try parser.finish()
    }

    @Test(arguments: [1, 3, 1000])
    func contentLengthChunkedAndCloseDelimited(pieces: Int) throws {
        let fixed = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", pieces: pieces)
        #expect(fixed.status == 200 && fixed.body == Array("hello".utf8) && fixed.value("x-a") == "b")
        let chunked = try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n", pieces: pieces)
        #expect(String(decoding: chunked.body, as: UTF8.self) == "hello world" && !chunked.truncated)
        let closed = try Self.parse("HTTP/1.0 307 Temporary Redirect\r\nLocation: /x\r\n\r\nmoved", pieces: pieces, eof: true)
        #expect(closed.status == 307 && closed.value("Location") == "/x" && closed.body == Array("moved".utf8))
        let interim = try Self.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", pieces: pieces)
        #expect(interim.status == 404)
    }

    @Test func aBodyPastTheLimitIsCutAndNotWaitedFor() throws {
        let r = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n0123456789abcdef", limit: 8)
        #expect(r.truncated && r.body == Array("01234567".utf8))
        let chunked = try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n0123456789", limit: 4)
        #expect(chunked.truncated && chunked.body.count == 4)
    }

    @Test func whatIsNotHTTPIsAnError() throws {
        #expect(throws: HTTPResponseError.self) { try Self.parse("\u{16}\u{3}\u{3}garbage\r\n\r\n") }
        #expect(throws: HTTPResponseError.self) { try Self.parse("HTTP/1.1 200 OK\r\n" + String(repeating: "X: y\r\n", count: 20000)) }
        var parser = HTTPResponseParser(bodyLimit: 10)
        _ = try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(throws: HTTPResponseError.closedEarly("before the body's end")) { try parser.finish() }
    }

    @Test func theFailingHostPerEngineAndItsCommands() throws {
        let registry = try RegistryHost(parsing: "reg.e2e.test:5000")
        let trusted = TraceHop(endpoint: try Endpoint(parsing: "reg.e2e.test:5000"), role: .registry, request: "GET /v2/", status: 200, bundle: .verified)
        var cdn = TraceHop(
            endpoint: try Endpoint(parsing: "cdn.e2e.test:8443"), role: .redirect, request: "GET /blob", status: 200,
            bundle: TraceVerdict(verifies: false, reason: "unable to get local issuer certificate"))
        cdn.chain = PeerChain(endpoint: cdn.endpoint, certificates: [])
        cdn.registryDirectories = [.docker: .verified]
        let trace = ImageTrace(reference: "reg.e2e.test:5000/app:1", registry: registry, hops: [trusted, cdn], end: .complete)
        let failures = TraceFailure.failures(in: trace, engines: [.docker, .containerd])
        #expect(failures.map(\.engine) == [.containerd], "docker's certs.d holds the CDN's CA")
        #expect(failures.first?.registryRouteCommand == "trustmend fix cdn.e2e.test:8443 --registry reg.e2e.test:5000")
        #expect(failures.first?.systemRouteCommand == "trustmend fix cdn.e2e.test:8443 --route system --restart containerd")
    }
}
