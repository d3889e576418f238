/// What to repair and how.
public struct RepairRequest: Sendable {
    public var endpoint: Endpoint
    public var fetchOptions: FetchOptions
    public var choice: AnchorChoice
    public var pins: Set<String>
    /// Recorded in the ledger: the triggering log line, or "manual".
    public var reason: String
    /// What authorised the repair, recorded in the ledger: the allow rule's host pattern (`AllowRule.name`),
    /// "trust_any", or "manual" (`trustmend fix`).
    public var rule: String
    public var dryRun: Bool
    /// Why no anchor may be installed now (the hourly cap): a chain already trusted or installed is
    /// still found so, one that needs an install is refused with this reason.
    public var installVeto: String?

    public init(
        endpoint: Endpoint, fetchOptions: FetchOptions = FetchOptions(), choice: AnchorChoice = .topCA,
        pins: Set<String> = [], reason: String = "manual", rule: String = "manual", dryRun: Bool = false, installVeto: String? = nil
    ) {
        self.endpoint = endpoint
        self.fetchOptions = fetchOptions
        self.choice = choice
        self.pins = pins
        self.reason = reason
        self.rule = rule
        self.dryRun = dryRun
        self.installVeto = installVeto
    }
}
