import FoundationEssentials
import TrustmendCore

/// What `fetch --json` prints: the chain a server sent, and the proxy it came through.
struct ChainReport: Encodable {
    var endpoint: String
    var proxy: String?
    var certificates: [CertificateReport]
}

struct CertificateReport: Encodable {
    var subject: String
    var issuer: String
    var sha256: String
    var notBefore: Date
    var notAfter: Date
    var isCA: Bool
    var selfSigned: Bool
    var derBytes: Int

    init(_ cert: ChainCertificate) {
        subject = cert.subject
        issuer = cert.issuer
        sha256 = cert.sha256
        notBefore = cert.notBefore
        notAfter = cert.notAfter
        isCA = cert.isCA
        selfSigned = cert.isSelfSigned
        derBytes = cert.der.count
    }
}
