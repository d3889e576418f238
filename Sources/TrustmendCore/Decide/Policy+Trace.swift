/// A trace contacts the registry the image names, and whatever it redirects to: it is a fetch, under the
/// rules a fetch is under (issue 19, item 2).
extension Policy {
    /// Whether to trace `image` for a host-less failure of `record`: its source passes the guard every
    /// detection passes; the registry would be fetched if a line named it (an allow rule matches it,
    /// `trust_any`, or `fetch.unlisted_hosts` asks for hosts outside the list to be contacted), or an allow
    /// rule's `registries` names it (the operator scoped a token or CDN host to that registry: the guide's
    /// case, a registry the node already trusts whose blobs come from a CDN it does not); and the
    /// source's fetch budget has room, whose place the trace holds until `traceEnded(_:)`. What the
    /// trace finds failing is then decided as a detection, by `decide(_:record:now:)`.
    public mutating func decideTrace(_ image: String, record: LogRecord, now: Duration) -> TraceDecision {
        if let why = untrusted(record.origin) { return .untrustedSource(why) }
        let host: RegistryHost, registry: Endpoint
        do {
            host = try RegistryHost(reference: image)
            registry = try Endpoint(registry: host)
        } catch {
            return .noRegistry("the image \(EndpointError.quote(image)) names no valid registry: \(error)")
        }
        let named = configuration.allow.contains { $0.registries.contains(host) }
        let allowed = configuration.trustAny || named || configuration.allow.contains { $0.matches(registry) }
        guard allowed || configuration.fetchUnlisted else { return .registryNotAllowed(registry) }
        let source = FetchSource(record.origin)
        if let why = budget.admit(source, now: now) { return .fetchBudgetSpent(why) }
        return .trace(registry: registry, source: source)
    }

    /// Why a record's source is not trusted (the first guard of `decide`), nil when it is: a line a
    /// container printed, a foreign unit's, a user's. Such a line never ties or names an image.
    public func untrustedSource(_ record: LogRecord) -> String? { untrusted(record.origin) }

    /// A trace ended: its place in the source's budget is free (its fetch still counts for the hour).
    public mutating func traceEnded(_ source: FetchSource) { budget.release(source) }
}
