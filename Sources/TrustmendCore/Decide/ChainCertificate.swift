import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// One certificate as a server sent it: its DER bytes and what swift-certificates parsed from them.
public struct ChainCertificate: Hashable, Sendable {
    public let der: [UInt8]
    public let certificate: Certificate

    public init(der: [UInt8]) throws {
        self.der = der
        self.certificate = try Certificate(derEncoded: der)
    }

    /// Lower-case hex SHA-256 of the DER encoding: what `openssl x509 -fingerprint -sha256` shows, without colons.
    public var sha256: String { SHA256.hash(data: der).hexString }

    public var subject: String { certificate.subject.description }
    public var issuer: String { certificate.issuer.description }
    public var notBefore: Date { certificate.notValidBefore }
    public var notAfter: Date { certificate.notValidAfter }

    /// basicConstraints says CA:TRUE.
    public var isCA: Bool {
        guard let constraints = try? certificate.extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = constraints { return true }
        return false
    }

    /// Subject equals issuer and the certificate's own key verifies its signature.
    public var isSelfSigned: Bool {
        guard certificate.subject == certificate.issuer else { return false }
        return certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    /// This certificate issued `other`: its subject is `other`'s issuer and its key verifies `other`'s
    /// signature.
    public func issued(_ other: ChainCertificate) -> Bool {
        certificate.subject == other.certificate.issuer
            && certificate.publicKey.isValidSignature(other.certificate.signature, for: other.certificate)
    }

    /// The certificate as one PEM block, 64 columns, trailing newline, as OpenSSL writes it.
    public var pem: String { PEM.certificate(der) }
}
