import Crypto
import FoundationEssentials
import SwiftASN1
import TrustmendCore
import X509

/// Certificates minted in the test process with swift-certificates: a root → intermediate → leaf chain,
/// and self-signed leaves, so decisions and fakes work on real DER without touching the disk or running
/// a process.
public struct TestChain: Sendable {
    public let root: ChainCertificate
    public let intermediate: ChainCertificate
    public let leaf: ChainCertificate

    public static let now = Date()

    public init(name: String = "registry.test", rootExpired: Bool = false) throws {
        let rootKey = P256.Signing.PrivateKey()
        let intermediateKey = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName { CommonName("\(name) Test Root CA") }
        let intermediateName = try DistinguishedName { CommonName("\(name) Test Intermediate CA") }
        let leafName = try DistinguishedName { CommonName(name) }
        root = try Self.mint(
            subject: rootName, issuer: rootName, key: rootKey.publicKey, signer: rootKey, ca: true,
            notAfter: rootExpired ? Self.now - 60 : Self.now + 86400)
        intermediate = try Self.mint(
            subject: intermediateName, issuer: rootName, key: intermediateKey.publicKey, signer: rootKey, ca: true)
        leaf = try Self.mint(subject: leafName, issuer: intermediateName, key: leafKey.publicKey, signer: intermediateKey, ca: false)
    }

    /// A server certificate that signs itself; `ca` false is the home-made registry case (CA:FALSE).
    public static func selfSigned(name: String = "selfsigned.test", ca: Bool = false, basicConstraints: Bool = true) throws -> ChainCertificate {
        let key = P256.Signing.PrivateKey()
        let dn = try DistinguishedName { CommonName(name) }
        return try mint(subject: dn, issuer: dn, key: key.publicKey, signer: key, ca: ca, basicConstraints: basicConstraints)
    }

    /// A self-signed CA that bears the intermediate's name with a key of its own: it issued nothing of this
    /// chain, though its name says so (anyone can mint one).
    public func impostorIntermediate() throws -> ChainCertificate {
        let key = P256.Signing.PrivateKey()
        let name = intermediate.certificate.subject
        return try Self.mint(subject: name, issuer: name, key: key.publicKey, signer: key, ca: true)
    }

    public static func mint(
        subject: DistinguishedName, issuer: DistinguishedName, key: P256.Signing.PublicKey, signer: P256.Signing.PrivateKey,
        ca: Bool, basicConstraints: Bool = true, notAfter: Date = now + 86400
    ) throws -> ChainCertificate {
        let extensions = try Certificate.Extensions {
            if basicConstraints {
                Critical(ca ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
            }
            if ca { KeyUsage(keyCertSign: true, cRLSign: true) } else { KeyUsage(digitalSignature: true) }
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key), notValidBefore: now - 3600, notValidAfter: notAfter,
            issuer: issuer, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(signer))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return try ChainCertificate(der: serializer.serializedBytes)
    }

    public func chain(_ certificates: [ChainCertificate], host: String = "registry.test") throws -> PeerChain {
        PeerChain(endpoint: try Endpoint(host: host), certificates: certificates)
    }
}
