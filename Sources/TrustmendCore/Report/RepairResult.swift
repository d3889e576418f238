/// How a repair ended, as `trustmend_repairs_total` counts it in its `result` label.
public enum RepairResult: String, Sendable, Hashable, CaseIterable {
    /// An anchor was installed, and the chain verifies against what the engine reads.
    case installed
    /// Nothing to install: the bundle or the `certs.d` directory already trusts the chain (a restart may
    /// be owed).
    case alreadyTrusted = "already_trusted"
    /// Not repaired: the chain could not be fetched, was refused (a pin, an ordinary leaf, a route the
    /// engine would not read), or the update tool or the verification failed (rolled back). The journal's
    /// `refused` and `rolled-back` events say which.
    case failed
    /// Not installed: the hourly cap was reached. The next failure is tried again.
    case capped

    /// What a policy outcome counts as; nil for report mode, which repairs nothing.
    public init?(_ outcome: Policy.Outcome) {
        switch outcome {
        case .installed: self = .installed
        case .unchanged: self = .alreadyTrusted
        case .failed: self = .failed
        case .capped: self = .capped
        case .reported: return nil
        }
    }
}
