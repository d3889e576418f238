/// What the policy decided about one detection: act on it, or skip it with the reason.
public enum PolicyDecision: Sendable, Hashable {
    case act(Approval)
    /// `report` is true when the skip deserves a notice to the operator (a host outside the policy, once
    /// per back-off period), false when a debug line is enough.
    case skip(SkipReason, report: Bool)
}
