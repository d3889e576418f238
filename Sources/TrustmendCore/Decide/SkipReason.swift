/// Why a detection leads to no action. Not an error: a decision, logged with its reason.
public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
    /// The entry does not come from a configured engine unit running as root, through the engine's own
    /// stdout/stderr (forged, foreign, or a container's output the engine forwarded).
    case untrustedSource(String)
    case noEndpoint
    /// No anchor can repair this failure (a SHA-1 signature).
    case unfixable
    case notAllowed
    /// Already reported or failed recently; `until` is when it may be tried again.
    case coolingDown(until: Duration)
    case hourlyCapReached(Int)
    /// Already waiting in the current batch.
    case alreadyQueued
    /// The source's `FetchBudget` is spent: dropped, counted, announced with the count; not backed off.
    case fetchBudgetSpent(String)

    public var description: String {
        switch self {
        case .untrustedSource(let why): "not from a trusted engine unit (\(why))"
        case .noEndpoint: "the line names no endpoint"
        case .unfixable: "no trust anchor can repair this failure (a signature algorithm Go refuses)"
        case .notAllowed: "the host is not in the allow list"
        case .coolingDown: "backing off after a recent attempt or report"
        case .hourlyCapReached(let cap): "the cap of \(cap) installs per hour is reached"
        case .alreadyQueued: "already queued in this batch"
        case .fetchBudgetSpent(let why): "the fetch budget is spent (\(why))"
        }
    }
}
