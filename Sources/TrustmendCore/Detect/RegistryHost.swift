/// A registry as the engines key their per-registry trust directories: `host` or `host:port`, exactly
/// as the image reference writes it (`registry.corp.example:5000`), or `docker.io` for references
/// without a registry part (FACTS §12).
///
/// The name becomes a directory under `certs.d`, so it is built only from a validated `Endpoint` host
/// and a port: no slash, no `..`, nothing a log line could smuggle in.
public struct RegistryHost: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let host: String
    /// The port when the reference names one; nil for the scheme's default.
    public let port: UInt16?

    public init(host: String, port: UInt16? = nil) throws(EndpointError) {
        let endpoint = try Endpoint(host: host, port: Int(port ?? 443))
        self.host = endpoint.host
        self.port = port
    }

    /// The directory name under `/etc/docker/certs.d` or `/etc/containerd/certs.d`.
    public var directoryName: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }

    public var description: String { directoryName }

    public var isDockerHub: Bool { host == "docker.io" && port == nil }

    /// Docker Hub's API hosts: engines key Hub's trust as `docker.io`.
    static let dockerHubHosts: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    public static func < (a: RegistryHost, b: RegistryHost) -> Bool { a.directoryName < b.directoryName }

    /// Reads `host[:port]` as written on a command line or in a directory name.
    public init(parsing text: String) throws(EndpointError) {
        let hasPort: Bool
        if text.hasPrefix("[") {
            hasPort = text.contains("]:")
        } else {
            hasPort = text.utf8.count(where: { $0 == UInt8(ascii: ":") }) == 1
        }
        let endpoint = try Endpoint(parsing: text)
        try self.init(host: endpoint.host, port: hasPort ? endpoint.port : nil)
    }

    /// The registry an image reference names, normalised as docker's reference grammar does: the first
    /// component is a registry when it has a '.' or ':', is `localhost`, or has upper case letters;
    /// otherwise the image is on Docker Hub. `index.docker.io` is Docker Hub. A `docker://` prefix
    /// (podman, skopeo) is dropped.
    public init(reference text: String) throws(EndpointError) {
        var reference = Substring(text)
        for prefix in ["docker://", "https://", "http://"] where reference.hasPrefix(prefix) { reference = reference.dropFirst(prefix.count) }
        guard let slash = reference.firstIndex(of: "/") else {
            try self.init(host: "docker.io")
            return
        }
        let first = reference[..<slash]
        let isRegistry = first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first
        guard isRegistry else {
            try self.init(host: "docker.io")
            return
        }
        try self.init(parsing: String(first))
        if Self.dockerHubHosts.contains(host) && port == nil { try self.init(host: "docker.io") }
    }

    /// The registry a repair is for: the image reference's registry when the line names one; else the
    /// failing endpoint itself when the failing request was a distribution API request (`/v2/…`),
    /// since then it is the registry. Otherwise (a token server or CDN, no reference) nil, with why.
    public static func of(_ detection: Detection) -> Result<RegistryHost, RouteRefusal> {
        if let reference = detection.reference {
            do { return .success(try RegistryHost(reference: reference)) } catch {
                return .failure(RouteRefusal("the image reference \(EndpointError.quote(reference)) names no valid registry: \(error)"))
            }
        }
        guard let endpoint = detection.endpoint else { return .failure(RouteRefusal("the line names no endpoint")) }
        guard let path = detection.path, path == "/v2" || path.hasPrefix("/v2/") else {
            return .failure(RouteRefusal(
                "the line names no image, and \(endpoint.authority) was asked for \(detection.path.map { EndpointError.quote($0) } ?? "no path"), "
                    + "not /v2/: it may be a token server or CDN, whose registry is unknown"))
        }
        return .success(RegistryHost(endpoint: endpoint))
    }

    /// An endpoint as the registry it is (when it is one): port 443 left out, as references leave it;
    /// Docker Hub's API hosts as `docker.io`. The host is already validated.
    public init(endpoint: Endpoint) {
        let port = endpoint.port == 443 ? nil : endpoint.port
        host = port == nil && Self.dockerHubHosts.contains(endpoint.host) ? "docker.io" : endpoint.host
        self.port = port
    }
}
