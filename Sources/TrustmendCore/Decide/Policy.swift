import FoundationEssentials

/// The ordered guards every detection passes: trusted source, endpoint valid, allowed, not cooling
/// down, under the hourly cap. The first veto wins. Time is a monotonic `Duration` since an arbitrary
/// start, given by the caller, so tests drive it without sleeping.
///
/// Memory stays bounded under floods of distinct hosts: every table is capped at `maxTracked` entries,
/// and expired entries go first.
public struct Policy: Sendable {
    public var configuration: Configuration
    public var maxTracked: Int

    private var quietUntil: [Endpoint: Duration] = [:]
    private var installTimes: [Duration] = []
    private var queued: Set<Endpoint> = []
    /// Endpoints repaired (or found trusted) since the start: past the cap, their failures are still
    /// checked, since one that needs no install must not be refused "for the cap".
    private var repaired: Set<Endpoint> = []

    public init(configuration: Configuration, maxTracked: Int = 10_000) {
        self.configuration = configuration
        self.maxTracked = maxTracked
    }

    /// Decides one detection from one record. Records a report's back-off; an approval is queued until
    /// `finished(_:succeeded:at:)` is called for it.
    public mutating func decide(_ detection: Detection, record: LogRecord, now: Duration) -> PolicyDecision {
        if let why = untrusted(record.origin) { return .skip(.untrustedSource(why), report: false) }
        guard let endpoint = detection.endpoint else { return .skip(.noEndpoint, report: false) }
        guard detection.fixable else { return coolDown(endpoint, .unfixable, now: now) }
        guard !queued.contains(endpoint) else { return .skip(.alreadyQueued, report: false) }
        if let until = quietUntil[endpoint], until > now { return .skip(.coolingDown(until: until), report: false) }

        let rule = configuration.allow.first { $0.matches(endpoint) }
        guard rule != nil || configuration.trustAny else { return coolDown(endpoint, .notAllowed, now: now) }

        // Configuration's one definition; past the guard above a rule matched or `trust_any` is set, so
        // here it comes down to `mode: report`. Besides: a log file's ownership is not its lines'
        // provenance (a root-owned syslog file carries any user's `logger` line, kubelet's log a pod
        // author's text), so a line from one may repair only under a rule that pins the anchor; else it
        // is reported.
        let reportOnly = configuration.reportOnly || (record.origin.isFile && (rule?.sha256.isEmpty ?? true))
        var installVeto: SkipReason?
        if !reportOnly {
            // Approvals still in flight count too: a burst in one batch cannot overrun the cap.
            installTimes.removeAll { $0 <= now - .seconds(3600) }
            if installTimes.count + queued.count >= configuration.maxInstallsPerHour {
                let cap = SkipReason.hourlyCapReached(configuration.maxInstallsPerHour)
                guard repaired.contains(endpoint) else { return coolDown(endpoint, cap, now: now) }
                installVeto = cap
            }
        }
        queued.insert(endpoint)
        let approval = Approval(
            endpoint: endpoint, detection: detection, rule: rule, choice: rule?.anchor ?? configuration.anchor,
            pins: rule?.sha256 ?? [], route: rule?.route ?? configuration.route, reason: String(record.message.prefix(2048)), reportOnly: reportOnly,
            loggedAt: record.loggedAt, installVeto: installVeto)
        return .act(approval)
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
    }

    /// Ends an approval.
    public mutating func finished(_ endpoint: Endpoint, _ outcome: Outcome, now: Duration) {
        queued.remove(endpoint)
        if outcome == .installed || outcome == .unchanged {
            if repaired.count >= maxTracked { repaired.removeAll() }
            repaired.insert(endpoint)
        }
        switch outcome {
        case .installed: installTimes.append(now)
        case .unchanged: break
        case .reported, .failed: remember(endpoint, until: now + configuration.backoff, now: now)
        }
    }

    /// Hosts currently backed off (for tests and the status line).
    public var trackedHosts: Int { quietUntil.count }

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

    private mutating func coolDown(_ endpoint: Endpoint, _ reason: SkipReason, now: Duration) -> PolicyDecision {
        remember(endpoint, until: now + configuration.backoff, now: now)
        return .skip(reason, report: true)
    }

    private mutating func remember(_ endpoint: Endpoint, until: Duration, now: Duration) {
        if quietUntil.count >= maxTracked {
            quietUntil = quietUntil.filter { $0.value > now }
            if quietUntil.count >= maxTracked {
                // Still full of live entries: drop the tenth that frees up soonest, in one pass.
                let doomed = quietUntil.sorted { $0.value < $1.value }.prefix(max(1, maxTracked / 10))
                for (key, _) in doomed { quietUntil.removeValue(forKey: key) }
            }
        }
        quietUntil[endpoint] = until
    }
}
