import FoundationEssentials

/// The ordered guards every detection passes: trusted source, endpoint valid, fixable, not queued, not
/// backing off, allowed, under the hourly cap, within its source's fetch budget. The first veto wins.
/// Time is a monotonic `Duration` since an arbitrary start, given by the caller, so tests drive it
/// without sleeping.
///
/// Text cannot deny a repair (issue 16, item 8): only an endpoint's own failed attempt backs it off. A
/// refusal for the cap, an unfixable failure and a report are rate-limited as *reports* (one per
/// endpoint and kind per back-off period); the endpoint's next failure is still decided.
///
/// Memory stays bounded under floods of distinct hosts: the back-off and report table holds at most
/// `maxTracked` entries (expired entries go first), and each source has a `FetchBudget`.
public struct Policy: Sendable {
    public var configuration: Configuration
    public var maxTracked: Int

    /// What an endpoint is remembered for, until a time.
    enum Quiet: Hashable, Sendable {
        /// Its repair failed (fetch, choice, update tool, verification): left alone for the back-off.
        case failed
        /// Reported, as what is reported is: no report of the same kind before the back-off ends.
        case reported(ReportKind)
    }

    /// The kinds of report that are rate-limited per endpoint.
    public enum ReportKind: Hashable, Sendable {
        case notAllowed, unfixable, hourlyCap, wouldInstall, notStaleRoots
    }

    private var quiet: ExpiryTable<Pair>
    private var installTimes: [Duration] = []
    /// Approvals in flight, by the source whose budget they hold.
    private var queued: [Endpoint: FetchSource] = [:]
    /// Fetched approvals holding a slot of the hourly cap until they end (the cap checked again at
    /// install time: one batch cannot install past it).
    private var reserved: Set<Endpoint> = []
    /// Endpoints repaired (or found trusted) since the start: past the cap, their failures are still
    /// checked, since one that needs no install must not be refused "for the cap".
    private var repaired: Set<Endpoint> = []
    // Internal, not private: a trace takes its fetches from the same budget (Policy+Trace).
    var budget: FetchBudget

    struct Pair: Hashable, Sendable {
        var endpoint: Endpoint
        var quiet: Quiet
    }

    public init(configuration: Configuration, maxTracked: Int = 10_000, budget: FetchBudget = FetchBudget()) {
        self.configuration = configuration
        self.maxTracked = maxTracked
        self.budget = budget
        quiet = ExpiryTable(capacity: maxTracked)
    }

    /// Decides one detection from one record. An approval is queued until `finished(_:_:now:)` is called
    /// for it; a skip with `report: true` is due to be reported (and counted as reported).
    public mutating func decide(_ detection: Detection, record: LogRecord, now: Duration) -> PolicyDecision {
        if let why = untrusted(record.origin) { return .skip(.untrustedSource(why), report: false) }
        guard let endpoint = detection.endpoint else { return .skip(.noEndpoint, report: false) }
        // Reported, never backed off: one forged "insecure algorithm" line must not silence the endpoint.
        guard detection.fixable else { return report(endpoint, .unfixable, .unfixable, now: now) }
        guard queued[endpoint] == nil else { return .skip(.alreadyQueued, report: false) }
        if let until = quiet.until(Pair(endpoint: endpoint, quiet: .failed), now: now) { return .skip(.coolingDown(until: until), report: false) }

        let rule = configuration.allow.first { $0.matches(endpoint) }
        guard rule != nil || configuration.trustAny else { return report(endpoint, .notAllowed, .notAllowed, now: now) }

        // Configuration's one definition; past the guard above a rule matched or `trust_any` is set, so
        // here it comes down to `mode: report`. Besides: a log file's ownership is not its lines'
        // provenance (a root-owned syslog file carries any user's `logger` line, kubelet's log a pod
        // author's text), so a line from one may repair only under a rule that pins the anchor; else it
        // is reported.
        let reportOnly = configuration.reportOnly || (record.origin.isFile && (rule?.sha256.isEmpty ?? true))
        if reportOnly, let until = quiet.until(Pair(endpoint: endpoint, quiet: .reported(.wouldInstall)), now: now) {
            return .skip(.coolingDown(until: until), report: false)
        }
        var installVeto: SkipReason?
        if !reportOnly, capReached(now: now) {
            let cap = SkipReason.hourlyCapReached(configuration.maxInstallsPerHour)
            // Not a back-off: the endpoint's next failure is decided again.
            guard repaired.contains(endpoint) else { return report(endpoint, .hourlyCap, cap, now: now) }
            installVeto = cap
        }
        let source = FetchSource(record.origin)
        if let why = budget.admit(source, now: now) { return .skip(.fetchBudgetSpent(why), report: false) }
        queued[endpoint] = source
        let approval = Approval(
            endpoint: endpoint, detection: detection, rule: rule, choice: rule?.anchor ?? configuration.anchor,
            pins: rule?.sha256 ?? [], route: rule?.route ?? configuration.route, reason: String(record.message.prefix(2048)), reportOnly: reportOnly,
            loggedAt: record.loggedAt, installVeto: installVeto)
        return .act(approval)
    }

    /// Takes a slot of the hourly cap for a fetched approval about to install; nil when taken, else the
    /// cap as the install veto. Installs of the last hour and the slots of approvals in flight count:
    /// approvals that never reached a fetch (a dead port) do not.
    public mutating func reserveInstall(_ endpoint: Endpoint, now: Duration) -> SkipReason? {
        guard !reserved.contains(endpoint) else { return nil }
        guard !capReached(now: now) else { return .hourlyCapReached(configuration.maxInstallsPerHour) }
        reserved.insert(endpoint)
        return nil
    }

    /// How an approval ended.
    public enum Outcome: Sendable {
        /// An anchor was installed: counts against the hourly cap.
        case installed
        /// Nothing to install (the bundle already trusts the chain): only a restart was owed. No back-off,
        /// so a later failure (say, once docker has live-restore) is acted on; restarts have their own limit.
        case unchanged
        /// Report mode: reported again only after the back-off.
        case reported
        /// Fetch, choice, update tool or verification failed: the host is left alone for the back-off.
        case failed
        /// The install was refused for the hourly cap: no back-off, the next failure is decided again.
        case capped
    }

    /// Ends an approval.
    public mutating func finished(_ endpoint: Endpoint, _ outcome: Outcome, now: Duration) {
        if let source = queued.removeValue(forKey: endpoint) { budget.release(source) }
        reserved.remove(endpoint)
        if outcome == .installed || outcome == .unchanged {
            if repaired.count >= maxTracked { repaired.removeAll() }
            repaired.insert(endpoint)
        }
        switch outcome {
        case .installed: installTimes.append(now)
        case .unchanged, .capped: break
        case .reported: quiet.set(Pair(endpoint: endpoint, quiet: .reported(.wouldInstall)), until: now + configuration.backoff, now: now)
        case .failed: quiet.set(Pair(endpoint: endpoint, quiet: .failed), until: now + configuration.backoff, now: now)
        }
    }

    /// True when a report of this kind about `endpoint` is due now, and then counts it as made: one per
    /// endpoint and kind per back-off period. For results known only after a fetch (a cap refusal at
    /// install time, an engine that already has the roots).
    public mutating func reportDue(_ endpoint: Endpoint, _ kind: ReportKind, now: Duration) -> Bool {
        let key = Pair(endpoint: endpoint, quiet: .reported(kind))
        guard quiet.until(key, now: now) == nil else { return false }
        quiet.set(key, until: now + configuration.backoff, now: now)
        return true
    }

    /// The sources whose fetch budget turned detections away since last said, at most once per back-off
    /// period each, with how many.
    public mutating func budgetAnnouncements(now: Duration) -> [FetchBudget.Drops] {
        budget.announcements(now: now, every: configuration.backoff)
    }

    /// The fetch budget's limits, in a sentence.
    public var budgetLimits: String { budget.limits }

    /// Hosts currently backed off or reported (for tests and the status line).
    public var trackedHosts: Int { quiet.count }

    /// Approvals in flight.
    public var queuedCount: Int { queued.count }

    /// Approvals of `source` in flight, and detections it turned away that are not yet announced.
    public func budgetState(_ source: FetchSource) -> (waiting: Int, dropped: Int) { (budget.waiting(source), budget.dropped(source)) }

    func untrusted(_ origin: LogRecord.Origin) -> String? {
        switch origin {
        case .file:
            return nil
        case .journal(let unit, let uid, let transport, let containerFields):
            guard let unit else { return "no _SYSTEMD_UNIT" }
            guard configuration.journalUnits.contains(unit) else { return "_SYSTEMD_UNIT=\(unit)" }
            guard uid == 0 else { return "_UID=\(uid.map(String.init) ?? "missing")" }
            // An engine unit also forwards its containers' output (dockerd's journald log driver, over
            // the native protocol, with CONTAINER_* fields): workload text, whoever runs the unit. Only
            // the engine's own stderr counts.
            guard !containerFields else { return "a container's output forwarded by \(unit) (CONTAINER_* fields)" }
            guard transport == "stdout" else { return "_TRANSPORT=\(transport ?? "missing"), not the engine's own stdout/stderr" }
            return nil
        }
    }

    /// Installs of the last hour and reserved slots fill the cap.
    private mutating func capReached(now: Duration) -> Bool {
        installTimes.removeAll { $0 <= now - .seconds(3600) }
        return installTimes.count + reserved.count >= configuration.maxInstallsPerHour
    }

    /// A skip reported at most once per endpoint and kind per back-off period; the endpoint is not backed off.
    private mutating func report(_ endpoint: Endpoint, _ kind: ReportKind, _ reason: SkipReason, now: Duration) -> PolicyDecision {
        .skip(reason, report: reportDue(endpoint, kind, now: now))
    }
}
