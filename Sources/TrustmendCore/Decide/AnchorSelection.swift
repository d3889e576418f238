import FoundationEssentials

/// Which certificates of a chain become trust anchors.
public enum AnchorChoice: String, Sendable, Hashable, Codable, CaseIterable {
    /// The topmost CA certificate the server sent: its self-signed root when present. A lone self-signed
    /// server certificate counts as its own root.
    case topCA = "top-ca"
    /// Every CA certificate the server sent, plus a self-signed server certificate. Never an ordinary leaf.
    case fullChain = "full-chain"
}

/// Why a chain yields no anchor that may be installed. Not an error of trustmend's: a decision.
public enum AnchorRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyChain
    /// The server sent only an ordinary leaf (not self-signed, not a CA): its issuer is missing.
    case onlyLeaf(issuer: String)
    /// The chosen anchors do not match the operator's pins.
    case pinMismatch(expected: [String], found: [String])
    /// The family's update tool (p11-kit) drops non-CA certificates, so the anchor would never reach the bundle.
    case nonCAAnchorOnP11Kit(subject: String, family: DistroFamily)
    case expired(subject: String, notAfter: Date)

    public var description: String {
        switch self {
        case .emptyChain:
            return "the server sent no certificate"
        case .onlyLeaf(let issuer):
            return "the server sent only its own certificate, issued by \"\(issuer)\", and not that CA; "
                + "trustmend never trusts an ordinary server certificate. Configure the server to send its "
                + "intermediate, or install that CA by hand after checking it"
        case .pinMismatch(let expected, let found):
            return "the anchor's SHA-256 \(found.joined(separator: ", ")) does not match the expected "
                + "\(expected.joined(separator: ", ")): nothing was installed. If the registry's CA really changed, "
                + "check the new fingerprint out of band and update the pin"
        case .nonCAAnchorOnP11Kit(let subject, let family):
            return "the anchor \"\(subject)\" is not a CA certificate (CA:FALSE or no basicConstraints); "
                + "on the \(family.rawValue) family p11-kit leaves such certificates out of the bundle, so no "
                + "engine would ever trust it. Use the registry route for this registry (route: registry or auto in "
                + "the configuration, or trustmend fix --route registry), which dockerd and containerd read as it is, "
                + "or have the registry serve a certificate issued by a CA"
        case .expired(let subject, let notAfter):
            return "the anchor \"\(subject)\" expired on \(notAfter.formatted(.iso8601)); Go rejects expired "
                + "anchors, so installing it would repair nothing"
        }
    }
}

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
