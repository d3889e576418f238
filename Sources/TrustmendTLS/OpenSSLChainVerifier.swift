import TrustmendCore
import TrustmendPlatform

/// Verifies chains with OpenSSL the way Go will (FACTS §4, §5).
public struct OpenSSLChainVerifier: ChainVerifier {
    public init() {}

    public func verify(_ chain: PeerChain, againstBundle bundlePEM: String, extraAnchors: [ChainCertificate]) throws {
        let anchors = PEM.certificates(in: bundlePEM) + extraAnchors.map(\.der)
        try OpenSSLCalls.verify(chain: chain.certificates.map(\.der), anchors: anchors)
    }
}
