import SwiftASN1
import TrustmendCore
import X509

/// Verifies as Go does for trustmend's purposes, without OpenSSL: the chain verifies when a path of
/// valid signatures leads from its leaf to a certificate of the bundle (every one an anchor, partial
/// chains allowed). Names and dates are not checked, as `OpenSSLChainVerifier` checks neither either
/// for the anchors trustmend chooses.
public struct FakeChainVerifier: ChainVerifier {
    /// No path from the leaf reaches the bundle.
    public struct Unverified: Error, CustomStringConvertible {
        public var description: String { "unable to get local issuer certificate" }
    }

    public init() {}

    public func verify(_ chain: PeerChain, againstBundle bundlePEM: String, extraAnchors: [ChainCertificate]) throws {
        let documents = (try? PEMDocument.parseMultiple(pemString: bundlePEM)) ?? []
        let anchors = documents.compactMap { try? ChainCertificate(der: $0.derBytes) } + extraAnchors
        guard var current = chain.leaf else { throw Unverified() }
        var seen = Set<[UInt8]>()
        while seen.insert(current.der).inserted {
            if anchors.contains(where: { $0.der == current.der }) { return }
            let issuedBy = { (candidate: ChainCertificate) in
                candidate.certificate.subject == current.certificate.issuer
                    && candidate.certificate.publicKey.isValidSignature(current.certificate.signature, for: current.certificate)
            }
            if anchors.contains(where: issuedBy) { return }
            guard let next = chain.certificates.first(where: { $0.der != current.der && issuedBy($0) }) else { break }
            current = next
        }
        throw Unverified()
    }
}
