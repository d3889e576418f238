import FoundationEssentials

/// Why a chain yields no anchor that may be installed. Not an error of trustmend's: a decision.
public enum AnchorRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyChain
    /// The server sent only an ordinary leaf (not self-signed, not a CA): its issuer is missing.
    case onlyLeaf(issuer: String)
    /// The server sent other certificates, but none of them issued its own: the CA on its issuance path
    /// is missing (`sent`: the subjects of what it sent besides the leaf).
    case issuerNotSent(issuer: String, sent: [String])
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
        case .issuerNotSent(let issuer, let sent):
            let others = sent.map { "\"\($0)\"" }.joined(separator: ", ")
            return "none of the other certificates the server sent (\(others)) issued its own certificate, whose issuer is "
                + "\"\(issuer)\"; trustmend only trusts a CA on the certificate's issuance path, never another one the server "
                + "happens to send. This usually means the server omits its intermediate CA (and sends a stale or unrelated one): "
                + "configure it to send the CA that issued its certificate, or install that CA by hand after checking it"
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
