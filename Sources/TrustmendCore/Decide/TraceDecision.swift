/// Whether an image tied to a host-less failure is traced, and why not.
public enum TraceDecision: Sendable, Hashable {
    /// Trace it: `registry` is the server asked first, `source` holds a place of its fetch budget until
    /// `Policy.traceEnded(_:)`.
    case trace(registry: Endpoint, source: FetchSource)
    /// The record is not an engine unit's own line (`Policy`'s source guard).
    case untrustedSource(String)
    /// The image names no valid registry.
    case noRegistry(String)
    /// No allow rule names the registry, `trust_any` is off, and `fetch.unlisted_hosts` does not ask for
    /// hosts outside the list to be contacted: the daemon makes no connection on this line's account.
    case registryNotAllowed(Endpoint)
    /// The source's fetch budget is spent (counted, announced with the others).
    case fetchBudgetSpent(String)
}
