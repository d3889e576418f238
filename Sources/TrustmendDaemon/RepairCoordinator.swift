import FoundationEssentials
import Logging
import TrustmendCore

/// The daemon's one piece of shared state: it turns records into decisions, collects approvals for the
/// debounce window, repairs them in one batch, restarts each affected engine at most once, and keeps
/// what must survive a crash (cursor, pending repairs, owed restarts) in the state file.
///
/// It only sequences: what to batch (`BatchPlan`), what each item needs (`RepairPlanner`), what a result
/// leaves owed (`RepairFollowUp`) and which restarts run now (`RestartSchedule`) are Core's values.
/// Time comes from the injected clock only, so tests drive debounce, back-off and restart intervals
/// without sleeping.
public actor RepairCoordinator<C: Clock> where C.Duration == Duration {
    /// What the next batch repairs and reports.
    struct Batch {
        var approvals: [Approval] = []
        /// The journal units that logged each queued endpoint's failure.
        var loggedBy: [Endpoint: Set<String>] = [:]
        /// Skips to report, with the unit that logged them (its proxy environment is used to fetch); at
        /// most `BatchPlan.maxReports`, the rest counted in `droppedReports`.
        var reports: [(endpoint: Endpoint, reason: SkipReason, unit: String?, image: String?)] = []
        var droppedReports = 0
        /// A source's fetch budget turned detections away: the batch's end says so, with the count.
        var announce = false

        var isEmpty: Bool { approvals.isEmpty && reports.isEmpty && droppedReports == 0 && !announce }
    }

    enum State {
        /// Approvals are being collected; `flush` repairs them at the end of the window (nil: none scheduled).
        case collecting(Batch, flush: Task<Void, Never>?)
        /// A batch is being repaired: `inFlight` holds the units that logged each of its endpoints (more
        /// may fail meanwhile), new approvals wait in `next`; `waiters` are shutdowns waiting for the end.
        case repairing(next: Batch, inFlight: [Endpoint: Set<String>], flush: Task<Void, Never>?, waiters: [CheckedContinuation<Void, Never>])
        /// Shut down: what is still collected stays in the state file for the next start.
        case stopped(Batch)
    }

    var state = State.collecting(Batch(), flush: nil)
    /// The registry route's repairs, which do not wait for the batch (`RepairCoordinator+RegistryRoute`).
    var lane = RegistryLane()
    var ledgerTurn = LedgerTurn()
    var configuration: Configuration
    var policy: Policy
    let wiring: DaemonWiring
    let clock: C
    let start: C.Instant
    let startDate: Date
    let log: EventLog
    var file: StateFile
    var metrics: MetricsFile
    var retryTask: Task<Void, Never>?
    /// Failures that name no host, the images they are tied to, and the traces under way.
    var hostlessLane = HostlessLane()

    /// Batches started (tests wait for one to be under way).
    public private(set) var batchesRun = 0

    public init(configuration: Configuration, wiring: DaemonWiring, clock: C, logger: Logger, wallClock: Date = Date()) throws {
        self.configuration = configuration
        self.policy = Policy(configuration: configuration)
        self.wiring = wiring
        self.clock = clock
        self.start = clock.now
        self.startDate = wallClock
        let counter = MetricsCounter(Metrics(units: configuration.journalUnits, started: wallClock, build: wiring.buildInfo))
        self.log = EventLog(logger: logger, metrics: counter)
        self.metrics = MetricsFile(publisher: wiring.metrics, counter: counter)
        self.file = try StateFile(store: wiring.state)
    }

    /// Where the sources resume.
    public var journalCursor: String? { file.state.journalCursor }
    public var filePositions: [String: FilePosition] { file.state.files }

    var now: Duration { start.duration(to: clock.now) }
    var wallNow: Date { startDate + TimeInterval(Double(now.components.seconds) + Double(now.components.attoseconds) / 1e18) }

    // MARK: Records in

    /// Decides one record. The position is saved with the pending repair of every record acted on (so
    /// none is acted on twice after a crash), and at most once a second otherwise: a flood of lines about
    /// a host already queued or backing off costs no disk write each, and re-reading them after a crash
    /// decides them the same way.
    public func handle(_ record: LogRecord) async {
        guard var detection = wiring.scanner.scan(line: Substring(record.message), number: 0) else {
            return file.advance(record, force: false, now: now, log: log)
        }
        // An engine unit's line was printed by that engine, whatever its words suggest.
        if let unit = record.unit.flatMap(EngineUnit.init(rawValue:)) { detection.engine = unit.engine }
        // A failure that names no host: tied to its image and traced (`RepairCoordinator+Hostless`).
        if detection.endpoint == nil, detection.fixable {
            hostless(detection, record: record)
            return file.advance(record, force: false, now: now, log: log)
        }
        let acted = take(policy.decide(detection, record: record, now: now), detection: detection, record: record)
        file.advance(record, force: acted, now: now, log: log)
    }

    /// Carries out the policy's decision about one detection: logs a skip, queues a report, or enqueues
    /// the approval with its pending repair. True when it acted (the pending repair is to be saved).
    /// `image`: the image whose trace found the endpoint, named in a report of it.
    func take(_ decision: PolicyDecision, detection: Detection, record: LogRecord, image: String? = nil) -> Bool {
        var meta = EventLog.fields(detection)
        meta["engine"] = .string(detection.engine.rawValue)
        let unit = record.unit
        switch decision {
        case .skip(.untrustedSource(let why), _):
            meta["why"] = .string(why)
            log.logger.debug("ignored: not from a trusted engine unit", metadata: meta)
        case .skip(.alreadyQueued, _):
            // Another engine failing on the same endpoint: the queued repair restarts it too.
            if let endpoint = detection.endpoint, let unit { loggedBy(endpoint, unit) }
            log.logger.debug("already queued", metadata: meta)
        case .skip(.fetchBudgetSpent(let why), _):
            // Counted by the policy; said once, with the count, at the end of a batch.
            meta["why"] = .string(why)
            log.logger.debug("dropped: the fetch budget is spent", metadata: meta)
            collect { $0.announce = true }
        case .skip(let reason, let report):
            if report, let endpoint = detection.endpoint {
                collect { batch in
                    if batch.reports.count < BatchPlan.maxReports {
                        batch.reports.append((endpoint, reason, unit, image))
                    } else {
                        batch.droppedReports += 1
                    }
                }
            } else {
                meta["why"] = .string(reason.description)
                log.logger.debug("skipped", metadata: meta)
            }
        case .act(let approval):
            if let unit { meta["unit"] = .string(unit) }
            log(.detected, level: .info, meta)
            enqueue(approval)
            if let unit { loggedBy(approval.endpoint, unit) }
            if !approval.reportOnly {
                file.state.pending.append(PendingRepair(
                    host: approval.endpoint.host, port: approval.endpoint.port, engine: unit ?? detection.engine.rawValue,
                    reason: approval.reason, reference: detection.reference, path: detection.path, file: record.file))
            }
            return true
        }
        return false
    }

    /// Re-queues what a crash left: pending repairs and owed restarts. Call once, before the sources start.
    /// First the ledger's unfinished installs are rolled back (their files taken out, the bundle rebuilt),
    /// so that the repairs re-queued here install and record them again; without that, a crash after the
    /// update tool left anchors on disk and "pending" in the ledger for good (the crash test found it).
    public func resume() async {
        do {
            for entry in try await wiring.makeRepairer(configuration).recover() {
                log(.rolledBack(afterCrash: true), level: .notice, [
                    "host": .string(entry.host), "port": .stringConvertible(entry.port), "sha256": .string(entry.sha256),
                    "file": .string(entry.files.joined(separator: ",")),
                ])
            }
        } catch {
            log(.sourceProblem(.recovery), level: .error, ["error": .string("\(error)")])
        }
        let pending = file.state.pending
        file.state.pending = []
        var queued = false
        for item in pending {
            guard let endpoint = try? Endpoint(host: item.host, port: Int(item.port)) else { continue }
            // A file no longer followed is no longer read: its line is not redone either.
            if let path = item.file, !configuration.files.contains(path) { continue }
            // `engine` holds the unit that logged it, which decides the unit as before; else the engine's name.
            let engine = Engine(rawValue: item.engine) ?? .unknown
            let detection = Detection(line: 0, endpoint: endpoint, engine: engine, reference: item.reference, path: item.path)
            if case .act(let approval) = policy.decide(detection, record: item.record, now: now) {
                collect(schedule: false) { $0.approvals.append(approval) }
                if item.file == nil { loggedBy(endpoint, item.engine) }
                file.state.pending.append(item)
                queued = true
            }
        }
        file.save(now: now, log: log)
        if queued || !file.state.restartsOwed.isEmpty { await flush() }
        publishMetrics()
    }

    /// Applies a new configuration; the policy's memory of back-offs is kept only when the rules are the same.
    public func reload(_ new: Configuration) {
        let keep = new.allow == configuration.allow && new.trustAny == configuration.trustAny
        configuration = new
        if keep { policy.configuration = new } else { policy = Policy(configuration: new) }
        metrics.counter.update { $0.allow(units: new.journalUnits) }
        publishMetrics()
    }

    /// Stops: a batch being repaired is finished (no install is left half done), a batch still being
    /// collected is left in the state file for the next start, and everything is saved. The registry
    /// route likewise: its repair under way finishes, what waits for it stays pending.
    public func shutdown() async {
        retryTask?.cancel()
        stopTracing()
        lane.stopping = true
        if case .repairing(let next, let inFlight, let flush, let waiters) = state {
            await withCheckedContinuation { state = .repairing(next: next, inFlight: inFlight, flush: flush, waiters: waiters + [$0]) }
        }
        if case .collecting(let batch, let flush) = state {
            flush?.cancel()
            state = .stopped(batch)
        }
        await settleRegistryRoute()
        file.save(now: now, log: log)
        metrics.withdraw(log: log)
    }

    /// Waits for the registry route's repairs, then for a scheduled batch that has started to finish
    /// (tests drive the clock, then settle).
    public func settle() async {
        await settleTraces()
        await settleRegistryRoute()
        switch state {
        case .collecting(_, let flush?), .repairing(_, _, let flush?, _): await flush.value
        default: break
        }
    }

    // MARK: Batches

    /// Repairs everything collected so far, now.
    public func flush() async {
        guard case .collecting(let batch, let flush) = state else { return }
        let inFlight = Dictionary(batch.approvals.map { ($0.endpoint, batch.loggedBy[$0.endpoint] ?? []) }, uniquingKeysWith: { $0.union($1) })
        state = .repairing(next: Batch(), inFlight: inFlight, flush: flush, waiters: [])
        batchesRun += 1
        await repair(batch)
        batchEnded()
        guard case .repairing(let next, _, _, let waiters) = state else { return }
        if waiters.isEmpty {
            state = .collecting(next, flush: nil)
            if !next.isEmpty { scheduleFlush() }
        } else {
            state = .stopped(next)
            for waiter in waiters { waiter.resume() }
        }
    }
}
