/// Which files a Go program (dockerd, containerd) loads its system roots from on Linux (FACTS §2).
///
/// `SSL_CERT_FILE` replaces the file list and `SSL_CERT_DIR` (colon-separated) the directory list, in
/// the *engine's* environment. Otherwise Go reads the first readable file of its list and then every file
/// of its directories.
public struct GoTrustSources: Sendable, Hashable {
    public static let files = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ]
    public static let directories = ["/etc/ssl/certs", "/etc/pki/tls/certs"]

    /// The bundle file Go reads, nil when none of the candidates is readable.
    public var file: String?
    public var directories: [String]
    /// True when the engine's environment overrides the defaults.
    public var overridden: Bool

    /// - Parameters:
    ///   - environment: the engine's environment (`KEY=value` strings), not trustmend's own.
    ///   - isReadable: whether a path (relative to the node's root) is a readable file.
    public init(environment: [String], isReadable: (String) -> Bool) {
        let env = KeyValue.dictionary(environment)
        let fileOverride = env["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let dirOverride = env["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        overridden = fileOverride != nil || dirOverride != nil
        let candidates = fileOverride.map { [$0] } ?? Self.files
        file = candidates.first(where: isReadable)
        directories = dirOverride.map { $0.split(separator: ":").map(String.init) } ?? Self.directories
    }
}
