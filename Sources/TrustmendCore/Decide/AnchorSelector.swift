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
        // Only certificates on the leaf's issuance path: another CA the server sent (stale, unrelated or
        // an attacker's) never becomes an anchor, even when nothing else would (issue 16, item 7).
        let onPath = path.filter { $0.isCA || $0.isSelfSigned }
        guard !onPath.isEmpty else {
            if certificates.count == 1 { return .failure(.onlyLeaf(issuer: leaf.issuer)) }
            return .failure(.issuerNotSent(issuer: leaf.issuer, sent: certificates.dropFirst().map(\.subject)))
        }
        let anchors: [ChainCertificate]
        switch choice {
        case .topCA: anchors = [onPath.last!]
        case .fullChain: anchors = onPath.reversed()
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
    /// An issuer is a certificate whose subject is the issuer's name *and* whose key verifies the
    /// signature: a CA that only bears the right name (an attacker can mint one) is not on the path.
    static func issuancePath(_ certificates: [ChainCertificate]) -> [ChainCertificate] {
        guard var current = certificates.first else { return [] }
        var path = [current]
        while !current.isSelfSigned,
            let issuer = certificates.first(where: { candidate in
                !path.contains(candidate) && candidate.issued(current)
            })
        {
            path.append(issuer)
            current = issuer
        }
        return path
    }
}
