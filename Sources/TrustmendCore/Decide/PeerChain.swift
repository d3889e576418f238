/// The certificates a TLS server sent, in the order it sent them (leaf first, as a rule).
public struct PeerChain: Hashable, Sendable {
    public let endpoint: Endpoint
    public let certificates: [ChainCertificate]

    public init(endpoint: Endpoint, certificates: [ChainCertificate]) {
        self.endpoint = endpoint
        self.certificates = certificates
    }

    public var leaf: ChainCertificate? { certificates.first }

    public var pem: String { certificates.map(\.pem).joined() }
}
