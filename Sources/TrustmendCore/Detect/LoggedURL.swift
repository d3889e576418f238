/// A URL found in a log line: where its host and path are in the bytes searched, and its port.
struct LoggedURL {
    var host: Range<Int>
    var port: Int
    var path: Range<Int>
    var traffic: Traffic
    /// The authority holds an ellipsis (`https://…/v2/`, `https://registry.exa...`): the host is cut.
    var elided = false

    enum Traffic {
        /// A distribution API request (`/v2/…`, the legacy `/v1/_ping` and `/v1/repositories/…`).
        case registry
        /// A token server or a blob CDN (S3, GCS, Cloudflare): registry traffic only while an image is pulled.
        case registryWhilePulling
        /// The Kubernetes API, health checks, or no path at all.
        case notRegistry
    }

    static let notRegistryPrefixes = ["/api/", "/apis/", "/healthz", "/livez", "/readyz", "/openapi"].map { Array($0.utf8) }
    static let notRegistryPaths = ["", "/", "/api", "/apis", "/version"].map { Array($0.utf8) }
    static let registryPrefixes = ["/v2/", "/v1/_ping", "/v1/repositories/"].map { Array($0.utf8) }
    static let registryPaths = ["/v2"].map { Array($0.utf8) }

    static let ellipses = [Array("..".utf8), Array("\u{2026}".utf8)]

    /// Whether `bytes` hold `..` or `…`: what people and `systemctl status` put where they cut text out.
    static func hasEllipsis(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ellipses.contains { bytes.byteRange(of: $0) != nil }
    }

    static func traffic(path: UnsafeBufferPointer<UInt8>) -> Traffic {
        func matches(_ paths: [[UInt8]], _ prefixes: [[UInt8]]) -> Bool {
            paths.contains { path.elementsEqual($0) } || prefixes.contains { LogLine.hasPrefix(path, $0) }
        }
        if matches(notRegistryPaths, notRegistryPrefixes) { return .notRegistry }
        if matches(registryPaths, registryPrefixes) { return .registry }
        return .registryWhilePulling
    }
}
