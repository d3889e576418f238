import FoundationEssentials
import Glibc
import TrustmendCore
import TrustmendPlatform

/// Fetches a server's chain with OpenSSL as the server sends it: SNI for names, no verification,
/// every resolved address tried, an HTTP CONNECT proxy when given, and time limits on the connection
/// and the handshake. Each fetch runs on a thread of its own, off the cooperative pool.
public struct OpenSSLChainFetcher: ChainFetcher {
    public init() {}

    public func fetchChain(from endpoint: Endpoint, options: FetchOptions) async throws -> PeerChain {
        let worker = BlockingWorker(name: "tls-fetch")
        defer { worker.close() }
        let ders = try await worker.run { try Self.fetchBlocking(endpoint, options: options) }
        var certificates: [ChainCertificate] = []
        for (index, der) in ders.enumerated() {
            do {
                certificates.append(try ChainCertificate(der: der))
            } catch {
                throw TLSFetchError(.badCertificate, endpoint, cause: "certificate \(index): \(error)")
            }
        }
        return PeerChain(endpoint: endpoint, certificates: certificates)
    }

    static func fetchBlocking(_ endpoint: Endpoint, options: FetchOptions) throws(TLSFetchError) -> [[UInt8]] {
        let fd: Int32
        if let proxy = options.proxy {
            fd = try Sockets.connect(proxy.endpoint, timeout: options.connectTimeout)
            do {
                try tunnel(fd, through: proxy, to: endpoint, options: options)
            } catch {
                close(fd)
                throw error
            }
        } else {
            fd = try Sockets.connect(endpoint, timeout: options.connectTimeout)
        }
        defer { close(fd) }
        return try OpenSSLCalls.handshake(fd: fd, endpoint: endpoint, options: options)
    }

    /// `CONNECT host:port` and a 2xx answer.
    static func tunnel(_ fd: Int32, through proxy: ProxyURL, to endpoint: Endpoint, options: FetchOptions) throws(TLSFetchError) {
        var request = "CONNECT \(endpoint.authority) HTTP/1.1\r\nHost: \(endpoint.authority)\r\nUser-Agent: trustmend\r\n"
        if let credentials = proxy.credentials {
            request += "Proxy-Authorization: Basic \(Data(credentials.utf8).base64EncodedString())\r\n"
        }
        request += "\r\n"
        let deadline = Deadline(after: options.connectTimeout)
        try Sockets.send(fd, Array(request.utf8), deadline: deadline, endpoint: endpoint)
        let head = try Sockets.readHead(fd, limit: 16384, deadline: deadline, endpoint: endpoint)
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TLSFetchError(.proxy, endpoint, cause: "\(proxy) answered something that is not HTTP")
        }
        guard (200..<300).contains(status) else {
            throw TLSFetchError(.proxy, endpoint, cause: "\(proxy) answered \"\(statusLine.prefix(120))\"")
        }
    }
}
