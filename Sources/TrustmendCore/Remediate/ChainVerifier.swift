/// Checks a chain the way a Go client will: against the certificates of one bundle, every one of them an
/// anchor (FACTS §4), without fetching missing intermediates (FACTS §5) and without checking the name.
public protocol ChainVerifier: Sendable {
    /// Returns normally when the chain verifies; throws an error naming OpenSSL's reason otherwise.
    func verify(_ chain: PeerChain, againstBundle bundlePEM: String, extraAnchors: [ChainCertificate]) throws
}
