import Glibc
import TrustmendCore
import TrustmendPlatform

/// One HTTPS request and its answer over OpenSSL, made the way `OpenSSLChainFetcher` reaches a server
/// (SNI for names, every address tried, the CONNECT proxy, the connect and handshake time limits) and
/// with no verification during the handshake: the chain it returns is judged apart, and the request is
/// sent whatever it is. So nothing secret may go in it: the walk sends no credentials, only anonymous
/// tokens. HTTP/1.1, `Connection: close`, one request per connection; the answer is read within
/// `responseTimeout` and its body only up to the request's limit. Runs on a thread of its own.
public struct OpenSSLHTTPSExchange: Sendable {
    public let userAgent: String

    public init(userAgent: String = "trustmend-trace") {
        self.userAgent = userAgent
    }

    /// What came back: the chain when the handshake got that far, the response when one was read, and
    /// what went wrong otherwise (as `TLSFetchError` or `HTTPResponseError` says it).
    public struct Outcome: Sendable {
        public var chain: PeerChain?
        public var response: RegistryResponse?
        public var problem: String?
    }

    public func exchange(_ request: RegistryRequest, options: FetchOptions, responseTimeout: Duration) async -> Outcome {
        let worker = BlockingWorker(name: "tls-exchange")
        defer { worker.close() }
        let bytes = request.encoded(userAgent: userAgent)
        let raw: Raw
        do {
            raw = try await worker.run { Self.exchangeBlocking(request, bytes: bytes, options: options, responseTimeout: responseTimeout) }
        } catch {
            return Outcome(problem: "\(error)")
        }
        var outcome = Outcome(response: raw.response, problem: raw.problem)
        if let ders = raw.chain {
            do {
                outcome.chain = PeerChain(endpoint: request.endpoint, certificates: try ders.map(ChainCertificate.init(der:)))
            } catch {
                outcome.problem = outcome.problem ?? "\(TLSFetchError(.badCertificate, request.endpoint, cause: "\(error)"))"
            }
        }
        return outcome
    }

    struct Raw: Sendable {
        var chain: [[UInt8]]?
        var response: RegistryResponse?
        var problem: String?
    }

    static func exchangeBlocking(_ request: RegistryRequest, bytes: [UInt8], options: FetchOptions, responseTimeout: Duration) -> Raw {
        let endpoint = request.endpoint
        let fd: Int32
        do {
            if let proxy = options.proxy {
                fd = try Sockets.connect(proxy.endpoint, timeout: options.connectTimeout)
                do {
                    try OpenSSLChainFetcher.tunnel(fd, through: proxy, to: endpoint, options: options)
                } catch {
                    close(fd)
                    throw error
                }
            } else {
                fd = try Sockets.connect(endpoint, timeout: options.connectTimeout)
            }
        } catch {
            return Raw(problem: "\(error)")
        }
        defer { close(fd) }
        var raw = Raw()
        do {
            let (chain, opened) = try OpenSSLCalls.open(fd: fd, endpoint: endpoint, options: options)
            raw.chain = chain
            guard let session = opened else {
                raw.problem = "the handshake failed after \(endpoint) sent its certificates (it may want a client certificate): no request sent"
                return raw
            }
            let deadline = Deadline(after: responseTimeout)
            try OpenSSLCalls.write(session, bytes, deadline: deadline, endpoint: endpoint)
            var parser = HTTPResponseParser(bodyLimit: request.bodyLimit)
            while true {
                let chunk = try OpenSSLCalls.read(session, limit: 16384, deadline: deadline, endpoint: endpoint)
                if chunk.isEmpty {
                    raw.response = try parser.finish()
                    break
                }
                if try parser.feed(chunk) {
                    raw.response = parser.response
                    break
                }
            }
        } catch let error as TLSFetchError {
            raw.problem = error.description
        } catch {
            raw.problem = "\(endpoint) answered \(request.summary) with something unreadable: \(error)"
        }
        return raw
    }
}
