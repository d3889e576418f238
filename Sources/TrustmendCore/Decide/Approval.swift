import FoundationEssentials

/// A detection the policy lets through: repair this endpoint with these pins and this anchor choice.
public struct Approval: Sendable, Hashable {
    public var endpoint: Endpoint
    public var detection: Detection
    /// The rule that allowed it; nil under `trust_any`.
    public var rule: AllowRule?
    public var choice: AnchorChoice
    public var pins: Set<String>
    /// The rule's route, else the configuration's.
    public var route: TrustRoute
    /// The triggering log line, recorded in the ledger.
    public var reason: String
    /// Report mode: decide and log, change nothing.
    public var reportOnly: Bool
    /// When the failure was logged, when the source knows.
    public var loggedAt: Date? = nil
    /// Set past the hourly cap for an endpoint repaired before: the repair may find the chain already
    /// trusted (and a restart owed), but an install is refused for this reason.
    public var installVeto: SkipReason? = nil

    /// What authorised it, as the ledger records it: the rule's name, or "trust_any".
    public var authority: String { rule?.name ?? "trust_any" }
}
