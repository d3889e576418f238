/// Why no chain could be fetched from a server.
public struct TLSFetchError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case resolve, connect, timeout, proxy, handshake, noCertificate, chainTooLong, chainTooLarge, badCertificate, library
        /// The server sent certificates, then the handshake failed before it proved it holds the leaf's key.
        case unproven
    }

    public var code: Code
    /// host:port of the server (not of the proxy).
    public var endpoint: String
    /// What the system or OpenSSL said.
    public var cause: String

    init(_ code: Code, _ endpoint: some CustomStringConvertible, cause: String) {
        self.code = code
        self.endpoint = endpoint.description
        self.cause = cause
    }

    public var description: String {
        switch code {
        case .resolve: "cannot resolve \(endpoint): \(cause)"
        case .connect: "cannot connect to \(endpoint): \(cause)"
        case .timeout: "\(endpoint) did not answer in time: \(cause)"
        case .proxy: "the proxy refused or failed the tunnel to \(endpoint): \(cause)"
        case .handshake: "the TLS handshake with \(endpoint) failed before its certificates arrived: \(cause)"
        case .noCertificate: "\(endpoint) sent no certificate"
        case .chainTooLong: "\(endpoint) sent too many certificates: \(cause)"
        case .chainTooLarge: "\(endpoint) sent more certificate data than allowed: \(cause)"
        case .badCertificate: "\(endpoint) sent a certificate that cannot be parsed: \(cause)"
        case .library: "OpenSSL failed while talking to \(endpoint): \(cause)"
        case .unproven:
            "\(endpoint) sent certificates, but the handshake failed (\(cause)) before the server proved it holds the key of "
                + "the first one; a chain no peer has shown to be its own is not taken"
        }
    }
}
