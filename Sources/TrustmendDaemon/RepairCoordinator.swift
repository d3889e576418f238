import FoundationEssentials
import Logging
import TrustmendCore

/// The daemon's one piece of shared state: it turns records into decisions, collects approvals for the
/// debounce window, repairs them in one batch, restarts each affected engine at most once, and keeps
/// what must survive a crash (cursor, pending repairs, owed restarts) in the state file.
///
/// Time comes from the injected clock only, so tests drive debounce, back-off and restart intervals
/// without sleeping.
public actor RepairCoordinator<C: Clock> where C.Duration == Duration {
    enum State {
        case idle
        /// Approvals are being collected; a flush is scheduled for the end of the window.
        case collecting
        /// A batch is being repaired; new approvals wait for the next window.
        case repairing
    }

    private var state = State.idle
    private var configuration: Configuration
    private var policy: Policy
    private let wiring: DaemonWiring
    private let clock: C
    private let start: C.Instant
    private let startDate: Date
    private var logger: Logger

    private var batch: [Approval] = []
    /// The journal unit that logged each queued endpoint's failure.
    private var loggedBy: [Endpoint: Set<String>] = [:]
    /// Skips to report, with the unit that logged them (its proxy environment is used to fetch).
    private var reports: [(endpoint: Endpoint, reason: SkipReason, unit: String?)] = []
    private var persisted: DaemonState
    private var lastCheckpoint: Duration = .zero
    private var flushTask: Task<Void, Never>?
    private var retryTask: Task<Void, Never>?
    /// Shutdown waiting for the batch in progress.
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopping = false
    /// The last save of the state failed (logged once).
    private var stateUnsaved = false
    /// The CRI runtime the kubelet's failures are charged to, found again at every batch.
    private var runtime = EngineFacts.containerdUnit

    /// Batches started (tests wait for one to be under way).
    public private(set) var batchesRun = 0

    public init(configuration: Configuration, wiring: DaemonWiring, clock: C, logger: Logger, wallClock: Date = Date()) throws {
        self.configuration = configuration
        self.policy = Policy(configuration: configuration)
        self.wiring = wiring
        self.clock = clock
        self.start = clock.now
        self.startDate = wallClock
        self.logger = logger
        self.persisted = try wiring.state.load()
    }

    /// Where the sources resume.
    public var journalCursor: String? { persisted.journalCursor }
    public var filePositions: [String: FilePosition] { persisted.files }

    var now: Duration { start.duration(to: clock.now) }
    var wallNow: Date { startDate + TimeInterval(Double(now.components.seconds) + Double(now.components.attoseconds) / 1e18) }

    // MARK: Records in

    /// Decides one record. The position is saved with the pending repair of every record acted on (so
    /// none is acted on twice after a crash), and at most once a second otherwise: a flood of lines about
    /// a host already queued or backing off costs no disk write each, and re-reading them after a crash
    /// decides them the same way.
    public func handle(_ record: LogRecord) async {
        guard let detection = wiring.scanner.scan(line: Substring(record.message), number: 0) else {
            advance(record, force: false)
            return
        }
        var meta = fields(detection)
        meta["engine"] = .string(detection.engine)
        switch policy.decide(detection, record: record, now: now) {
        case .skip(.untrustedSource(let why), _):
            meta["why"] = .string(why)
            logger.debug("ignored: not from a trusted engine unit", metadata: meta)
        case .skip(.alreadyQueued, _):
            // Another engine failing on the same endpoint: the queued repair restarts it too.
            if let endpoint = detection.endpoint, let unit = unitHint(record) { loggedBy[endpoint, default: []].insert(unit) }
            logger.debug("already queued", metadata: meta)
        case .skip(let reason, let report):
            if report, let endpoint = detection.endpoint {
                reports.append((endpoint, reason, unitHint(record)))
                scheduleFlush()
            } else {
                meta["why"] = .string(reason.description)
                logger.debug("skipped", metadata: meta)
            }
        case .act(let approval):
            log(.detected, "unknown-authority pull failure", level: .info, meta)
            batch.append(approval)
            if let unit = unitHint(record) { loggedBy[approval.endpoint, default: []].insert(unit) }
            if !approval.reportOnly {
                persisted.pending.append(PendingRepair(
                    host: approval.endpoint.host, port: approval.endpoint.port, engine: unitHint(record) ?? detection.engine,
                    reason: approval.reason, reference: detection.reference, path: detection.path))
            }
            scheduleFlush()
            advance(record, force: true)
            return
        }
        advance(record, force: false)
    }

    /// Re-queues what a crash left: pending repairs and owed restarts. Call once, before the sources start.
    /// First the ledger's unfinished installs are rolled back (their files taken out, the bundle rebuilt),
    /// so that the repairs re-queued here install and record them again; without that, a crash after the
    /// update tool left anchors on disk and "pending" in the ledger for good (the crash test found it).
    public func resume() async {
        do {
            for entry in try await wiring.makeRepairer(configuration).recover() {
                log(.rolledBack, "an install a crash left unfinished was rolled back; its repair runs again", level: .notice, [
                    "host": .string(entry.host), "port": .stringConvertible(entry.port), "sha256": .string(entry.sha256),
                    "file": .string(entry.files.joined(separator: ",")),
                ])
            }
        } catch {
            log(.sourceProblem, "cannot roll back the installs a crash left unfinished", level: .error, ["error": .string("\(error)")])
        }
        let pending = persisted.pending
        persisted.pending = []
        for item in pending {
            guard let endpoint = try? Endpoint(host: item.host, port: Int(item.port)) else { continue }
            let record = LogRecord(message: item.reason, origin: .journal(unit: item.engine, uid: 0), position: "")
            let detection = Detection(line: 0, endpoint: endpoint, engine: item.engine, reference: item.reference, path: item.path)
            if case .act(let approval) = policy.decide(detection, record: record, now: now) {
                batch.append(approval)
                loggedBy[endpoint, default: []].insert(item.engine)
                persisted.pending.append(item)
            }
        }
        save()
        if !batch.isEmpty || !persisted.restartsOwed.isEmpty { await flush() }
    }

    /// Applies a new configuration; the policy's memory of back-offs is kept only when the rules are the same.
    public func reload(_ new: Configuration) {
        let keep = new.allow == configuration.allow && new.trustAny == configuration.trustAny
        configuration = new
        if keep { policy.configuration = new } else { policy = Policy(configuration: new) }
    }

    /// Stops: a batch being repaired is finished (no install is left half done), a batch still being
    /// collected is left in the state file for the next start, and everything is saved.
    public func shutdown() async {
        stopping = true
        retryTask?.cancel()
        if state == .repairing { await withCheckedContinuation { idleWaiters.append($0) } }
        flushTask?.cancel()
        save()
    }

    /// Waits for a scheduled batch that has started to finish (tests drive the clock, then settle).
    public func settle() async {
        await flushTask?.value
    }

    // MARK: Batches

    private func scheduleFlush() {
        guard state == .idle, !stopping else { return }
        state = .collecting
        // The deadline is taken now, not when the task first runs, so the window is exact.
        let deadline = clock.now.advanced(by: configuration.debounce)
        flushTask = Task { [clock] in
            try? await clock.sleep(until: deadline, tolerance: nil)
            guard !Task.isCancelled else { return }
            await self.flush()
        }
    }

    /// Repairs everything collected so far, now.
    public func flush() async {
        guard state != .repairing, !stopping else { return }
        state = .repairing
        defer {
            state = .idle
            if !batch.isEmpty || !reports.isEmpty { scheduleFlush() }
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
        let approvals = batch
        let reported = reports
        batch = []
        reports = []
        batchesRun += 1

        var groups: [RouteTarget: [(approval: Approval, request: RepairRequest, chain: PeerChain, why: String)]] = [:]
        var owed = Set(persisted.restartsOwed)
        if !approvals.isEmpty { runtime = await criRuntime() }
        let facts = approvals.contains { $0.route != .system } && wiring.makeRegistryStore != nil ? await wiring.routeFacts() : nil
        for approval in approvals {
            let units = unitsFor(approval)
            let options = await fetchOptions(approval.endpoint, unit: units.first)
            var meta = fields(approval.detection)
            let choice: RouteChoice
            switch route(for: approval, units: units, facts: facts) {
            case .success(let chosen): choice = chosen
            case .failure(let refusal):
                meta["route"] = "registry"
                meta["why"] = .string(refusal.description)
                log(.refused, "the registry route cannot serve this repair (route: registry)", level: .warning, meta)
                finish(approval, .failed)
                continue
            }
            do {
                let chain = try await wiring.fetcher.fetchChain(from: approval.endpoint, options: options)
                if approval.reportOnly {
                    reportWouldInstall(approval, chain: chain, route: choice)
                    finish(approval, .reported)
                    continue
                }
                let request = RepairRequest(
                    endpoint: approval.endpoint, fetchOptions: options, choice: approval.choice, pins: approval.pins,
                    reason: approval.reason, installVeto: approval.installVeto?.description)
                groups[choice.target, default: []].append((approval, request, chain, choice.why))
            } catch {
                meta["error"] = .string("\(error)")
                log(.refused, "cannot fetch the chain", level: .warning, meta)
                finish(approval, .failed)
            }
        }

        // One batch per target: the system route runs the update tool once for all of its items.
        for (target, group) in groups.sorted(by: { $0.key.description < $1.key.description }) {
            var repairer = wiring.makeRepairer(configuration)
            if case .registry(let registry, let engines) = target, let make = wiring.makeRegistryStore {
                repairer.store = make(registry, engines)
            }
            let results = await repairer.repairBatch(group.map { ($0.request, $0.chain) })
            for (item, result) in zip(group, results) {
                let approval = item.approval
                var meta = fields(approval.detection)
                let units = unitsFor(approval)
                if !units.isEmpty { meta["unit"] = .string(units.joined(separator: ",")) }
                meta["route"] = .string(target.name)
                meta["route_reason"] = .string(item.why)
                switch result {
                case .success(.installed(let plan, _)):
                    meta["sha256"] = .string(plan.anchors.map(\.sha256).joined(separator: ","))
                    meta["file"] = .string(plan.files.joined(separator: ","))
                    meta["subject"] = .string(plan.anchors.first?.subject ?? "")
                    log(.installed, "anchor installed", level: .notice, meta)
                    meta["bundle"] = .string(plan.bundlePath)
                    log(.verified, "chain verified against the bundle", level: .notice, meta)
                    if repairer.store.restartsEngines { owed.formUnion(units) }
                    finish(approval, .installed)
                case .success(.alreadyInstalled), .success(.alreadyTrusted):
                    // A failure logged before trustmend last restarted the engine came from the process that
                    // had the old roots (read late: after a crash, or behind a burst): nothing is owed.
                    let stale = units.filter { unit in
                        guard let at = approval.loggedAt, let last = persisted.lastRestart[unit] else { return false }
                        return at < last
                    }
                    if repairer.store.restartsEngines, stale.count == units.count, !units.isEmpty {
                        meta["why"] = .string("logged before the restart of \(stale.joined(separator: ", "))")
                        logger.info("already trusted by the bundle, and the engine was restarted after this failure", metadata: meta)
                    } else if repairer.store.restartsEngines {
                        // The bundle trusts the chain, yet the engine failed: it has not reloaded its roots.
                        logger.info("already trusted by the bundle; the engine needs a restart to see it", metadata: meta)
                        owed.formUnion(units.filter { !stale.contains($0) })
                    } else {
                        logger.warning(
                            "already trusted through certs.d, yet the engine failed: check that it reads that directory (trustmend doctor)",
                            metadata: meta)
                    }
                    finish(approval, .unchanged)
                case .success(.planned):
                    finish(approval, .reported)
                case .failure(let error):
                    meta["error"] = .string("\(error.cause)")
                    if error.code == .refused {
                        log(.refused, "refused to trust the chain", level: .warning, meta)
                    } else if error.rolledBack {
                        log(.rolledBack, "repair failed and was rolled back", level: .warning, meta)
                    } else {
                        log(.refused, "repair failed", level: .warning, meta)
                    }
                    finish(approval, .failed)
                }
            }
        }
        persisted.restartsOwed = owed.sorted()
        save()
        await restartOwed()

        // Reports last, so that a flood of hosts outside the policy never holds up a repair; only the
        // first few are fetched (for the anchor's fingerprint in the command to run), the rest name the
        // dry run: each fetch may wait out a connect timeout (the load test found repairs stalled).
        for (i, item) in reported.enumerated() {
            await report(item.endpoint, reason: item.reason, unit: item.unit, fetch: i < Self.reportFetchesPerBatch)
        }
    }

    /// How many reports of one batch fetch the chain they report.
    static var reportFetchesPerBatch: Int { 8 }  // computed: a generic type has no static stored properties

    private func finish(_ approval: Approval, _ outcome: Policy.Outcome) {
        policy.finished(approval.endpoint, outcome, now: now)
        loggedBy.removeValue(forKey: approval.endpoint)
        if let index = persisted.pending.firstIndex(where: { $0.host == approval.endpoint.host && $0.port == approval.endpoint.port }) {
            persisted.pending.remove(at: index)
        }
    }

    // MARK: Restarts

    private func restartOwed() async {
        guard !persisted.restartsOwed.isEmpty else { return }
        let containerd = try? await wiring.systemd.activeState(of: EngineFacts.containerdUnit)
        let docker = try? await wiring.systemd.activeState(of: EngineFacts.dockerUnit)
        let facts = EngineFacts(containerd: containerd, docker: docker, dockerLiveRestore: wiring.dockerLiveRestore())
        var stillOwed: [String] = []
        var retryAt: Duration?
        for unit in persisted.restartsOwed {
            var meta: Logger.Metadata = ["unit": .string(unit)]
            let decision: RestartDecision
            switch unit {
            case EngineFacts.dockerUnit:
                decision = configuration.restartDocker == .never
                    ? .skip(unit: unit, reason: "restart.docker is never")
                    : RestartPlanner.docker(facts, explicit: configuration.restartDocker == .always)
            case EngineFacts.containerdUnit:
                decision = configuration.restartContainerd == .never
                    ? .skip(unit: unit, reason: "restart.containerd is never")
                    : RestartPlanner.containerd(facts, explicit: false)
            default:
                let state = try? await wiring.systemd.activeState(of: unit)
                decision = state?.isActive == true ? .restart(unit: unit, warning: nil) : .skip(unit: unit, reason: "it is not running")
            }
            guard case .restart(_, let warning) = decision else {
                if case .skip(_, let reason) = decision { meta["why"] = .string(reason) }
                log(.restartDeferred, "restart required but not done", level: .warning, meta)
                continue
            }
            if let last = persisted.lastRestart[unit] {
                let next = last + TimeInterval(configuration.restartMinInterval.components.seconds)
                if next > wallNow {
                    meta["until"] = .string(next.formatted(.iso8601))
                    log(.restartDeferred, "restart postponed: minimum interval", level: .notice, meta)
                    stillOwed.append(unit)
                    let wait = now + .seconds(next.timeIntervalSince(wallNow).rounded(.up))
                    retryAt = min(retryAt ?? wait, wait)
                    continue
                }
            }
            if let warning { meta["warning"] = .string(warning) }
            log(.restartRequested, "restarting the engine to reload its roots", level: .notice, meta)
            persisted.lastRestart[unit] = wallNow
            save()
            do {
                let outcome = try await wiring.systemd.restart(unit: unit, timeout: configuration.restartTimeout)
                if outcome.succeeded {
                    log(.restartCompleted, "engine restarted", level: .notice, meta)
                } else {
                    meta["result"] = .string(outcome.result)
                    log(.restartFailed, "engine restart failed", level: .error, meta)
                }
            } catch {
                meta["error"] = .string("\(error)")
                log(.restartFailed, "engine restart failed", level: .error, meta)
            }
        }
        persisted.restartsOwed = stillOwed
        save()
        if let retryAt, !stopping {
            let deadline = start.advanced(by: retryAt)
            retryTask?.cancel()
            retryTask = Task { [clock] in
                try? await clock.sleep(until: deadline, tolerance: nil)
                guard !Task.isCancelled else { return }
                await self.flush()
            }
        }
    }

    // MARK: Reports

    private func report(_ endpoint: Endpoint, reason: SkipReason, unit: String?, fetch: Bool) async {
        var meta: Logger.Metadata = ["host": .string(endpoint.host), "port": .stringConvertible(endpoint.port), "why": .string(reason.description)]
        guard case .notAllowed = reason else {
            log(.refused, "not repaired", level: .warning, meta)
            return
        }
        var chain: PeerChain?
        if fetch { chain = try? await wiring.fetcher.fetchChain(from: endpoint, options: await fetchOptions(endpoint, unit: unit)) }
        if let chain,
            case .success(let anchors) = AnchorSelector(choice: configuration.anchor, profile: wiring.profile).select(from: chain, now: wallNow)
        {
            describe(anchors, for: endpoint, into: &meta)
            meta["subject"] = .string(anchors.first?.subject ?? "")
        } else {
            meta["command"] = .string("trustmend fix \(endpoint.authority) --dry-run")
        }
        log(.reported, "host outside the allow list: not trusted", level: .warning, meta)
    }

    private func reportWouldInstall(_ approval: Approval, chain: PeerChain, route: RouteChoice) {
        var meta = fields(approval.detection)
        meta["route"] = .string(route.target.description)
        meta["route_reason"] = .string(route.why)
        let acceptsNonCA = route.target == .system ? wiring.profile.acceptsNonCAAnchors : true
        switch AnchorSelector(choice: approval.choice, profile: wiring.profile, pins: approval.pins, acceptsNonCA: acceptsNonCA)
            .select(from: chain, now: wallNow)
        {
        case .success(let anchors):
            describe(anchors, for: approval.endpoint, into: &meta)
            log(.reported, "report mode: would install the anchor", level: .notice, meta)
        case .failure(let refusal):
            meta["why"] = .string(refusal.description)
            log(.refused, "report mode: would refuse the chain", level: .warning, meta)
        }
    }

    /// The anchors' fingerprints and the command an operator runs after checking them out of band.
    private func describe(_ anchors: [ChainCertificate], for endpoint: Endpoint, into meta: inout Logger.Metadata) {
        meta["sha256"] = .string(anchors.map(\.sha256).joined(separator: ","))
        meta["command"] = .string("trustmend fix \(endpoint.authority) " + anchors.map { "--expect-sha256 \($0.sha256)" }.joined(separator: " "))
    }

    /// How to reach an endpoint the way the engine that failed does: through the proxy its unit's
    /// environment names, when `fetch.proxy` is `engine` (FACTS §16).
    private func fetchOptions(_ endpoint: Endpoint, unit: String?) async -> FetchOptions {
        var options = FetchOptions(connectTimeout: configuration.connectTimeout, handshakeTimeout: configuration.handshakeTimeout)
        switch configuration.proxy {
        case .none: break
        case .url(let proxy): options.proxy = proxy
        case .engine:
            var environment: [String] = []
            if let unit, let state = try? await wiring.systemd.activeState(of: unit) { environment = state.environment }
            options.proxy = wiring.engineProxy(endpoint, environment)
        }
        return options
    }

    // MARK: Helpers

    /// The route of one approval: its rule's or the configuration's, resolved against the engines that
    /// failed. Without a registry store in the wiring, everything takes the system route.
    private func route(for approval: Approval, units: [String], facts: RouteFacts?) -> Result<RouteChoice, RouteRefusal> {
        guard let facts else {
            if approval.route == .registry {
                return .failure(RouteRefusal("this daemon has no registry route"))
            }
            return .success(RouteChoice(.system, why: approval.route == .system ? "route: system" : "no registry route"))
        }
        let engines = units.map { (unit: $0, engine: RegistryEngine(unit: $0)) }
        return RoutePlanner.choose(approval.route, engines: engines, detection: approval.detection, facts: facts)
    }

    private func unitHint(_ record: LogRecord) -> String? {
        if case .journal(let unit?, _) = record.origin { return unit }
        return nil
    }

    /// Every engine unit whose failure this approval answers (containerd and docker can both fail on
    /// one registry within a window: both are restarted).
    private func unitsFor(_ approval: Approval) -> [String] {
        let logged = loggedBy[approval.endpoint] ?? []
        if logged.isEmpty {
            return EngineUnits.unit(loggedBy: nil, engine: approval.detection.engine, runtime: runtime).map { [$0] } ?? []
        }
        return Set(logged.compactMap { EngineUnits.unit(loggedBy: $0, engine: approval.detection.engine, runtime: runtime) }).sorted()
    }

    /// The runtime in use: containerd when it runs, else CRI-O, else docker (cri-dockerd). The kubelet
    /// pulls through it, so a kubelet failure is repaired by restarting it.
    private func criRuntime() async -> String {
        for unit in [EngineFacts.containerdUnit, "crio.service", EngineFacts.dockerUnit] {
            if (try? await wiring.systemd.activeState(of: unit))?.isActive == true { return unit }
        }
        return EngineFacts.containerdUnit
    }

    private func advance(_ record: LogRecord, force: Bool) {
        switch record.origin {
        case .journal:
            if !record.position.isEmpty { persisted.journalCursor = record.position }
        case .file(let path):
            if let position = FilePosition(encoded: record.position) { persisted.files[path] = position }
        }
        if force || now - lastCheckpoint >= .seconds(1) { save() }
    }

    /// Saves the state. A failure is logged once, not at every record, until a save works again: the
    /// daemon keeps deciding and repairing (it only forgets its place if it restarts meanwhile).
    private func save() {
        do {
            try wiring.state.save(persisted)
            lastCheckpoint = now
            if stateUnsaved {
                stateUnsaved = false
                logger.notice("the state is saved again")
            }
        } catch {
            guard !stateUnsaved else { return }
            stateUnsaved = true
            log(.sourceProblem, "cannot save the state; repairs go on, but a restart of trustmend would read old entries again (logged once until a save works)",
                level: .error, ["error": .string("\(error)")])
        }
    }

    private func fields(_ detection: Detection) -> Logger.Metadata {
        var meta: Logger.Metadata = [:]
        if let e = detection.endpoint {
            meta["host"] = .string(e.host)
            meta["port"] = .stringConvertible(e.port)
        }
        if let reference = detection.reference { meta["image"] = .string(reference) }
        return meta
    }

    private func log(_ event: Event, _ message: Logger.Message, level: Logger.Level, _ metadata: Logger.Metadata) {
        var meta = metadata
        meta["message_id"] = .string(event.messageID)
        meta["event"] = .string(event.rawValue)
        logger.log(level: level, message, metadata: meta)
    }
}
