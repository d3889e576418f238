/// One image-pull failure with an unknown-authority certificate, found in one log line.
///
/// `endpoint` is the server whose certificate failed: the innermost request before the x509 text, which
/// may be a token server or a CDN rather than the registry; when that request's URL is cut or missing,
/// the host another part of the line names (`endpointFrom` says which). `endpoint` is nil when the line
/// is a real pull failure that names no endpoint. `reference` is the image reference the line names, when it names
/// one; its registry is where per-registry trust (`certs.d`) is keyed.
public struct Detection: Hashable, Sendable {
    /// 1-based line number in the input.
    public var line: Int
    /// The failing host as the line names it (brackets of IPv6 literals removed), even when it is not
    /// a valid host name; only `endpoint` is ever acted on.
    public var host: String?
    public var port: Int?
    /// `host:port` validated; nil when the line names no endpoint or an invalid one.
    public var endpoint: Endpoint?
    /// How the line named `endpoint` (its URL, a repaired URL, a `host` field, the image reference); nil
    /// when there is no endpoint, or it was not read from a line (a repair resumed from the state file).
    public var endpointFrom: EndpointSource?
    /// Who printed the line (`Engine` lists every value).
    public var engine: Engine
    /// The image reference the line names (`registry.example:5000/team/app:1.2`), when it names one.
    public var reference: String?
    /// The URL path of the failing request (`/v2/team/app/manifests/1.2`), when the line has one.
    public var path: String?
    /// False when no trust anchor can repair the failure (a SHA-1 signature Go refuses whatever the roots).
    public var fixable: Bool

    public init(
        line: Int, endpoint: Endpoint?, engine: Engine, reference: String? = nil, path: String? = nil,
        fixable: Bool = true, host: String? = nil, port: Int? = nil, endpointFrom: EndpointSource? = nil
    ) {
        self.line = line
        self.endpoint = endpoint
        self.endpointFrom = endpoint == nil ? nil : endpointFrom
        self.host = host ?? endpoint?.host
        self.port = port ?? endpoint.map { Int($0.port) }
        self.engine = engine
        self.reference = reference
        self.path = path
        self.fixable = fixable
    }
}
