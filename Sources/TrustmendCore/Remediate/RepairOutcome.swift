/// How a repair ended, when it did not fail.
public enum RepairOutcome: Sendable {
    /// The chain already verifies against the bundle Go reads: nothing to install. If the engine still
    /// fails, it has not reloaded its roots since the bundle changed (FACTS §1).
    case alreadyTrusted(PeerChain)
    /// trustmend installed these anchors for this endpoint before; nothing was rewritten.
    case alreadyInstalled(RepairPlan, [LedgerEntry])
    /// `--dry-run`: what would be done.
    case planned(RepairPlan)
    case installed(RepairPlan, [LedgerEntry])

    public var changedTrust: Bool {
        if case .installed = self { return true }
        return false
    }
}
