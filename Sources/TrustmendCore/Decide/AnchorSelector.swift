import FoundationEssentials

/// Chooses the anchors to install from a peer chain, by the rules of `AnchorChoice`.
public struct AnchorSelector: Sendable {
    public var choice: AnchorChoice
    public var profile: DistroProfile
    /// SHA-256 pins (lower-case hex); when non-empty, every chosen anchor must be one of them.
    public var pins: Set<String>
    /// False on the system route of a p11-kit family; true on the registry route, whose files Go
    /// reads as they are (any certificate in its pool is an anchor, FACTS §4).
    public var acceptsNonCA: Bool

    public init(choice: AnchorChoice = .topCA, profile: DistroProfile, pins: Set<String> = [], acceptsNonCA: Bool? = nil) {
        self.choice = choice
        self.profile = profile
        self.pins = Set(pins.map { $0.lowercased().filter { $0 != ":" } })
        self.acceptsNonCA = acceptsNonCA ?? profile.acceptsNonCAAnchors
    }

    /// The anchors, topmost first, or the reason none may be installed.
    public func select(from chain: PeerChain, now: Date) -> Result<[ChainCertificate], AnchorRefusal> {
        let certificates = chain.certificates
        guard let leaf = certificates.first else { return .failure(.emptyChain) }
        let path = Self.issuancePath(certificates)
        let anchors: [ChainCertificate]
        switch choice {
        case .topCA:
            if let top = path.last(where: { $0.isCA || $0.isSelfSigned }) {
                anchors = [top]
            } else if let anyCA = certificates.last(where: \.isCA) {
                // Out-of-order or unrelated extras: still never the leaf.
                anchors = [anyCA]
            } else {
                return .failure(.onlyLeaf(issuer: leaf.issuer))
            }
        case .fullChain:
            let picked = path.filter { $0.isCA || $0.isSelfSigned }
            let extras = certificates.filter { $0.isCA && !picked.contains($0) }
            anchors = (picked + extras).reversed()
            if anchors.isEmpty { return .failure(.onlyLeaf(issuer: leaf.issuer)) }
        }
        if !acceptsNonCA, let nonCA = anchors.first(where: { !$0.isCA }) {
            return .failure(.nonCAAnchorOnP11Kit(subject: nonCA.subject, family: profile.family))
        }
        if let expired = anchors.first(where: { $0.notAfter < now }) {
            return .failure(.expired(subject: expired.subject, notAfter: expired.notAfter))
        }
        if !pins.isEmpty, !anchors.allSatisfy({ pins.contains($0.sha256) }) {
            return .failure(.pinMismatch(expected: pins.sorted(), found: anchors.map(\.sha256)))
        }
        return .success(anchors)
    }

    /// The leaf followed by each issuer found among the sent certificates, whatever order they came in.
    static func issuancePath(_ certificates: [ChainCertificate]) -> [ChainCertificate] {
        guard var current = certificates.first else { return [] }
        var path = [current]
        while !current.isSelfSigned,
            let issuer = certificates.first(where: { candidate in
                !path.contains(candidate) && candidate.certificate.subject == current.certificate.issuer
            })
        {
            path.append(issuer)
            current = issuer
        }
        return path
    }
}
