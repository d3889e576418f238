/// A registry as the engines key their per-registry trust directories: `host` or `host:port`, exactly
/// as the image reference writes it (`registry.corp.example:5000`), or `docker.io` for references
/// without a registry part (FACTS §12).
///
/// Exactly means in its case too. Neither engine lower-cases the registry: docker's reference grammar
/// keeps the domain as written (distribution/reference `splitDockerDomain`; an upper-case first component
/// is even what makes it a domain), dockerd opens `certs.d/<reference.Domain(...)>`
/// (moby daemon/pkg/registry `hostCertsDir`), and containerd opens `certs.d/<Hostname()>` of the
/// reference, `url.Parse`d without folding case (containerd core/remotes/docker/config `hostPaths`). On a
/// case-sensitive file system `certs.d/registry.corp` is not read for `Registry.Corp/app`. So the name is
/// kept as written (`spelling`), while `host`, the lower-case form, is what rules and endpoints compare.
///
/// The name becomes a directory under `certs.d`, so it is built only from a validated `Endpoint` host
/// and a port: no slash, no `..`, nothing a log line could smuggle in (the spelling differs from the
/// validated host in the case of its letters only).
public struct RegistryHost: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// Lower case, as `Endpoint` keeps hosts: what policy and endpoints compare.
    public let host: String
    /// The host as the reference (or the logged URL, or the operator) wrote it: the directory's name.
    public let spelling: String
    /// The port when the reference names one; nil for the scheme's default.
    public let port: UInt16?

    public init(host: String, port: UInt16? = nil) throws(EndpointError) {
        let endpoint = try Endpoint(host: host, port: Int(port ?? 443))
        self.host = endpoint.host
        self.spelling = Self.spelling(host, of: endpoint.host)
        self.port = port
    }

    /// `written` when it is `validated` but for the case of its letters (a trailing root dot dropped, as
    /// validation drops it); else the validated form.
    static func spelling(_ written: String, of validated: String) -> String {
        let trimmed = written.hasSuffix(".") && !validated.hasSuffix(".") ? String(written.dropLast()) : written
        return trimmed.lowercased() == validated ? trimmed : validated
    }

    /// The directory name under `/etc/docker/certs.d` or `/etc/containerd/certs.d`.
    public var directoryName: String {
        let name = spelling.contains(":") ? "[\(spelling)]" : spelling
        return port.map { "\(name):\($0)" } ?? name
    }

    public var description: String { directoryName }

    public var isDockerHub: Bool { spelling == "docker.io" && port == nil }

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
        // The host as written (validated again by init(host:)), for its spelling.
        var written = Substring(text)
        if written.hasPrefix("["), let close = written.firstIndex(of: "]") {
            written = written[written.index(after: written.startIndex)..<close]
        } else if hasPort, let colon = written.lastIndex(of: ":") {
            written = written[..<colon]
        }
        try self.init(host: String(written), port: hasPort ? endpoint.port : nil)
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
        // As the engines canonicalise it: only the names spelt so (`Index.Docker.io` stays a registry of its own).
        if Self.dockerHubHosts.contains(spelling) && port == nil { try self.init(host: "docker.io") }
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
        // The engine asked for the URL it built from the reference: the logged host is spelt as the reference was.
        return .success(RegistryHost(endpoint: endpoint, spelling: detection.host))
    }

    /// An endpoint as the registry it is (when it is one): port 443 left out, as references leave it;
    /// Docker Hub's API hosts as `docker.io`. The host is already validated; `spelling` is how the log line
    /// or the operator wrote it, used when it is that host but for case.
    public init(endpoint: Endpoint, spelling written: String? = nil) {
        let port = endpoint.port == 443 ? nil : endpoint.port
        let spelling = written.map { Self.spelling($0, of: endpoint.host) } ?? endpoint.host
        let hub = port == nil && Self.dockerHubHosts.contains(spelling)
        host = hub ? "docker.io" : endpoint.host
        self.spelling = hub ? "docker.io" : spelling
        self.port = port
    }

    /// Decodes what earlier versions encoded, without `spelling` (then the host's).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        host = try container.decode(String.self, forKey: .host)
        port = try container.decodeIfPresent(UInt16.self, forKey: .port)
        spelling = Self.spelling(try container.decodeIfPresent(String.self, forKey: .spelling) ?? host, of: host)
    }
}
