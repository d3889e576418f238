/// How to reach the server: time limits and the proxy, as the engine would reach it.
public struct FetchOptions: Sendable, Hashable {
    public var connectTimeout: Duration
    public var handshakeTimeout: Duration
    /// The HTTP CONNECT proxy to go through, or nil to connect directly.
    public var proxy: ProxyURL?
    /// The most certificates accepted from one server; more is an error, not a truncation.
    public var maxCertificates: Int
    /// The most bytes of certificates accepted from one server.
    public var maxChainBytes: Int

    public init(
        connectTimeout: Duration = .seconds(10), handshakeTimeout: Duration = .seconds(10), proxy: ProxyURL? = nil,
        maxCertificates: Int = 16, maxChainBytes: Int = 256 * 1024
    ) {
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.proxy = proxy
        self.maxCertificates = maxCertificates
        self.maxChainBytes = maxChainBytes
    }
}
