import Foundation

/// `Tests/Support/registry_standin.py` on loopback: an HTTPS server with a test PKI's chain answering
/// the routes it is given, logging every request it gets.
final class RegistryStandIn: @unchecked Sendable {
    // @unchecked: immutable after init; the server is killed when released.
    let server: TestServer
    let log: String
    var port: Int { server.port }
    var authority: String { "localhost:\(server.port)" }

    /// `routes`: path → {"status", "headers", "body", "auth", "challenge", "hang"} (see the script).
    init(pki: TestPKI, port: Int = freePort(), routes: [String: [String: Any]]) throws {
        let name = "standin-\(port)"
        try pki.sh("cat leaf.pem int.pem > chain.pem")
        let config = pki.path("\(name).json")
        log = pki.path("\(name).log")
        try JSONSerialization.data(withJSONObject: ["routes": routes]).write(to: URL(fileURLWithPath: config))
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/registry_standin.py").path
        server = try TestServer(
            arguments: [script, String(port), pki.path("chain.pem"), pki.path("leaf.key"), config, log], executable: "/usr/bin/python3", port: port)
    }

    /// The requests it got: method, target, headers.
    func requests() throws -> [[String: Any]] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}

/// A registry (CA A) whose config blob redirects to a CDN (CA B), behind a token server (CA T): the
/// guide's case, on loopback.
struct TraceScene {
    static let configDigest = "sha256:" + String(repeating: "c", count: 64)
    let registryPKI: TestPKI, cdnPKI: TestPKI, tokenPKI: TestPKI
    let registry: RegistryStandIn, cdn: RegistryStandIn, token: RegistryStandIn

    var reference: String { "\(registry.authority)/team/app:1.0" }

    init() throws {
        registryPKI = try TestPKI()
        cdnPKI = try TestPKI()
        tokenPKI = try TestPKI()
        cdn = try RegistryStandIn(pki: cdnPKI, routes: ["/blobs/config": ["status": 200, "body": "{}"]])
        token = try RegistryStandIn(pki: tokenPKI, routes: ["/token": ["body": #"{"token":"anon-token"}"#]])
        let challenge = #"Bearer realm="https://\#(token.authority)/token",service="stand-in, test""#
        let manifest = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"\#(Self.configDigest)"}}"#
        registry = try RegistryStandIn(pki: registryPKI, routes: [
            "/v2/": ["status": 401, "headers": ["WWW-Authenticate": challenge]],
            "/v2/team/app/manifests/1.0": [
                "auth": "Bearer anon-token", "challenge": challenge, "body": manifest,
                "headers": ["Content-Type": "application/vnd.oci.image.manifest.v1+json"],
            ],
            "/v2/team/app/blobs/\(Self.configDigest)": [
                "auth": "Bearer anon-token", "challenge": challenge, "status": 307,
                "headers": ["Location": "https://\(cdn.authority)/blobs/config?sig=secret"],
            ],
        ])
    }
}
