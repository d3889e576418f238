/// What the repair does with one item, decided before anything is written.
public enum RepairStep: Sendable {
    /// No anchor may be installed: the chain offers none the policy accepts, the store refuses, or the
    /// hourly cap vetoes an install.
    case refused(any Error)
    /// trustmend installed these anchors for this endpoint before, and the files are there.
    case alreadyInstalled(RepairPlan, [LedgerEntry])
    /// What the engines read already verifies the chain.
    case alreadyTrusted(PeerChain)
    /// A dry run: what an install would do.
    case planned(RepairPlan)
    /// Install: `pending` goes into the ledger before any file is written.
    case install(RepairPlan, pending: [LedgerEntry])

    /// The result when the step ends the repair without writing.
    public var outcome: Result<RepairOutcome, any Error>? {
        switch self {
        case .refused(let refusal): .failure(refusal)
        case .alreadyInstalled(let plan, let entries): .success(.alreadyInstalled(plan, entries))
        case .alreadyTrusted(let chain): .success(.alreadyTrusted(chain))
        case .planned(let plan): .success(.planned(plan))
        case .install: nil
        }
    }
}
