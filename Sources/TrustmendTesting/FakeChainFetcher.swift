import Synchronization
import TrustmendCore

/// Servers in memory: each endpoint presents the chain it was given; any other is unreachable.
public final class FakeChainFetcher: ChainFetcher {
    /// Nobody answers at this endpoint.
    public struct Unreachable: Error, CustomStringConvertible {
        public var endpoint: Endpoint
        public var description: String { "cannot connect to \(endpoint): Connection refused" }
    }

    private let state = Mutex<(chains: [Endpoint: [ChainCertificate]], fetched: [Endpoint])>(([:], []))

    public init() {}

    /// Makes `endpoint` present `certificates` (leaf first).
    public func serve(_ certificates: [ChainCertificate], at endpoint: Endpoint) {
        state.withLock { $0.chains[endpoint] = certificates }
    }

    /// The endpoints fetched so far, in order.
    public var fetched: [Endpoint] { state.withLock { $0.fetched } }

    public func fetchChain(from endpoint: Endpoint, options: FetchOptions) async throws -> PeerChain {
        let certificates = state.withLock { s in
            s.fetched.append(endpoint)
            return s.chains[endpoint]
        }
        guard let certificates else { throw Unreachable(endpoint: endpoint) }
        return PeerChain(endpoint: endpoint, certificates: certificates)
    }
}
