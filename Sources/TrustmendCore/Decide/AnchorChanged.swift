import FoundationEssentials

/// The server of an endpoint trustmend repaired before now offers an anchor the ledger does not hold for
/// it, and no pin vouches for the new one. Not an error of trustmend's: a refusal, logged as its own event.
///
/// Trust on first use must not become trust on every failure: an on-path attacker who makes one pull
/// fail would otherwise get its CA installed beside the first. The ledger's anchors are the endpoint's
/// pin from then on. A renewed CA (even with the same key) is a new certificate with a new SHA-256, so a
/// legitimate rotation is refused too, and an expired anchor changes nothing: which of the two a change
/// is can only be told out of band.
public struct AnchorChanged: Error, Sendable, Hashable, CustomStringConvertible {
    public var endpoint: Endpoint
    /// The anchors the ledger holds as installed for this host:port.
    public var installed: [LedgerEntry]
    /// The anchors the server's chain offers now (those not installed for it).
    public var offered: [ChainCertificate]
    /// When the change was seen (to say whether the installed anchor has expired).
    public var now: Date

    public init(endpoint: Endpoint, installed: [LedgerEntry], offered: [ChainCertificate], now: Date) {
        self.endpoint = endpoint
        self.installed = installed
        self.offered = offered
        self.now = now
    }

    /// The refusal, or nil: nil when the ledger holds no installed anchor for the endpoint (first use),
    /// when every anchor is one it holds, or when `pins` are given (the selector has already refused any
    /// anchor they do not name, so a pinned request is the operator's word for the new anchor).
    public static func check(_ anchors: [ChainCertificate], for endpoint: Endpoint, pins: Set<String>, ledger: Ledger, now: Date)
        -> AnchorChanged?
    {
        guard pins.isEmpty else { return nil }
        let installed = ledger.entries.filter { $0.state == .installed && $0.host == endpoint.host && $0.port == endpoint.port }
        guard !installed.isEmpty else { return nil }
        let known = Set(installed.map(\.sha256))
        let new = anchors.filter { !known.contains($0.sha256) }
        guard !new.isEmpty else { return nil }
        var seen = Set<String>()
        let distinct = installed.filter { seen.insert($0.sha256).inserted }
        return AnchorChanged(endpoint: endpoint, installed: distinct, offered: new, now: now)
    }

    /// `trustmend fix` with a pin for each offered anchor: what to run once they are checked.
    public var command: String {
        "trustmend fix \(endpoint.authority) " + offered.map { "--expect-sha256 \($0.sha256)" }.joined(separator: " ")
    }

    public var description: String {
        let old = installed.map { entry in
            let expiry = entry.notAfter < now ? ", expired \(entry.notAfter.formatted(.iso8601))" : ""
            return "SHA-256 \(entry.sha256) (\"\(entry.subject)\", installed \(entry.installedAt.formatted(.iso8601))\(expiry))"
        }
        let new = offered.map { "SHA-256 \($0.sha256) (\"\($0.subject)\")" }
        let sameName = offered.contains { anchor in installed.contains { $0.subject == anchor.subject } }
        let renewal = sameName ? " The new anchor has the old one's name: a renewed CA looks like this, and so does a forged one." : ""
        return "the anchor of \(endpoint.authority) changed: trustmend installed \(old.joined(separator: ", ")) for it, and its "
            + "server now offers \(new.joined(separator: ", ")) instead. An on-path attacker looks like this, and so does a "
            + "legitimate change of the registry's CA; nothing was installed.\(renewal) Check the new fingerprint out of band "
            + "(with whoever runs \(endpoint.host)), then run `\(command)` (or pin it in the allow rule's sha256); or, to start "
            + "over from trust on first use, `trustmend remove \(endpoint.authority)` first"
    }
}
