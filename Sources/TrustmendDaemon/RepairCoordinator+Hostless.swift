import Logging
import TrustmendCore

/// A failure that names no host (issue 19, item 2; FACTS §23): dockerd 20.10 logs a failed redirect with
/// neither host nor image. The failure is tied to an image (`HostlessPulls`: its own line's, or the
/// kubelet's line for the same pull within the window), the image is traced when the policy allows it
/// (`Policy.decideTrace`: the registry would be fetched, the source's budget has room), and the first host
/// the failing engine refuses is decided as a detection of that host: every rule applies to it as to a
/// host a line named. What cannot be traced is reported once per back-off period with the command.
extension RepairCoordinator {
    /// The hostless failures and the traces under way.
    struct HostlessLane {
        var pulls = HostlessPulls()
        /// Traces running, by a number of their own.
        var traces: [Int: Task<Void, Never>] = [:]
        var nextTrace = 0
        /// Unties what waited out the window.
        var timer: Task<Void, Never>?
        var stopping = false
    }

    /// Takes one host-less detection: from an untrusted source it ties nothing and names no image (a
    /// container's output must not choose what the daemon contacts); else it is tied or waits.
    func hostless(_ detection: Detection, record: LogRecord) {
        var meta = EventLog.fields(detection)
        meta["engine"] = .string(detection.engine.rawValue)
        if let why = policy.untrustedSource(record) {
            meta["why"] = .string(why)
            return log.logger.debug("ignored: not from a trusted engine unit", metadata: meta)
        }
        guard let failure = HostlessFailure(detection, unit: record.unit, record: record, at: now) else { return }
        untie()
        for tie in hostlessLane.pulls.observe(failure) { traceIfAllowed(tie) }
        scheduleUntie()
    }

    /// The policy's word on tracing a tied image, and the trace when it says yes.
    func traceIfAllowed(_ tie: HostlessTie) {
        let lead = tie.lead
        // The lines of one source about one pull trace once (the kubelet's and the engine's may each
        // trace: the engine's line says whose trust the trace is read with); a trace that found nothing
        // to repair holds the image for the back-off period, whichever line comes.
        let key = "held \(tie.image)"
        guard !hostlessLane.pulls.isQuiet(key, now: now),
            hostlessLane.pulls.due("trace \(tie.image) \(lead.source)", now: now, every: hostlessLane.pulls.window)
        else {
            return log.logger.debug("already traced", metadata: ["image": .string(tie.image)])
        }
        guard wiring.tracer != nil else {
            return reportHostless(lead, image: tie.image, why: "this trustmend cannot trace images")
        }
        switch policy.decideTrace(tie.image, record: lead.record, now: now) {
        case .untrustedSource(let why), .noRegistry(let why):
            reportHostless(lead, image: tie.image, why: why)
        case .registryNotAllowed(let registry):
            reportHostless(
                lead, image: tie.image,
                why: "its registry \(registry.authority) is neither in the allow list nor in a rule's registries, so trustmend does not contact it to trace the image")
        case .fetchBudgetSpent(let why):
            log.logger.debug("not traced: the fetch budget is spent", metadata: ["image": .string(tie.image), "why": .string(why)])
            collect { $0.announce = true }
        case .trace(let registry, let source):
            let id = hostlessLane.nextTrace
            hostlessLane.nextTrace += 1
            hostlessLane.traces[id] = Task { await self.trace(tie, registry: registry, source: source, id: id, key: key) }
        }
    }

    /// One trace: the image resolved the way the failing engine reaches the registry (its proxy), then
    /// what it found decided.
    func trace(_ tie: HostlessTie, registry: Endpoint, source: FetchSource, id: Int, key: String) async {
        guard let tracer = wiring.tracer else { return }
        let runtime = await criRuntime()
        // The walk ends where the failing engine's pull ends: no redirect or realm of a server it does not
        // trust is followed (an on-path server cannot send the daemon's requests where it likes).
        var options = TraceOptions(
            fetch: await fetchOptions(registry, unit: tie.lead.unit), platform: wiring.platform,
            stopWhereRefusedBy: .some(tie.engine(runtime: runtime)))
        if case .engine = configuration.proxy, let unit = tie.lead.unit, let state = try? await wiring.systemd.activeState(of: unit) {
            // Each host its own proxy, as Go chooses it: NO_PROXY may exempt the registry and not its CDN.
            options.proxyEnvironment = ProxyEnvironment(entries: state.environment)
        }
        let result: Result<ImageTrace, any Error>
        do { result = .success(try await tracer.trace(tie.image, options: options)) } catch { result = .failure(error) }
        policy.traceEnded(source)
        hostlessLane.traces[id] = nil
        guard !hostlessLane.stopping else { return }
        traced(tie, result, runtime: runtime, key: key)
    }

    /// What a trace found: the first host the engine refuses, decided as a detection of it; or nothing
    /// to repair (every host verifies, credentials wanted, the walk stopped), said and held for the back-off.
    func traced(_ tie: HostlessTie, _ result: Result<ImageTrace, any Error>, runtime: String, key: String) {
        let lead = tie.lead
        var meta: Logger.Metadata = ["image": .string(tie.image), "command": .string("trustmend trace \(tie.image)")]
        meta["engine"] = .string(lead.engine.rawValue)
        let units = tie.units.sorted()
        if !units.isEmpty { meta["unit"] = .string(units.joined(separator: ",")) }
        let trace: ImageTrace
        switch result {
        case .success(let found): trace = found
        case .failure(let error):
            meta["why"] = .string("\(error)")
            hostlessLane.pulls.hold(key, now: now, for: configuration.backoff)
            return log(.traced(.stopped), level: .warning, meta)
        }
        meta["registry"] = .string(trace.registry.description)
        let engine = tie.engine(runtime: runtime)
        guard let hop = trace.firstFailing(for: engine) else {
            hostlessLane.pulls.hold(key, now: now, for: configuration.backoff)
            let met = trace.hops.map(\.endpoint.authority).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            switch trace.end {
            case .complete:
                meta["why"] = .string(met.isEmpty ? "it met no host" : "\(met.joined(separator: ", ")) verify")
                log(.traced(.allVerify), level: .notice, meta)
            case .needsCredentials(let endpoint):
                meta["why"] = .string("\(endpoint.authority) answered 401 and trustmend has no credentials")
                log(.traced(.needsCredentials), level: .notice, meta)
            case .stopped(let why):
                meta["why"] = .string(why)
                log(.traced(.stopped), level: .warning, meta)
            }
            return
        }
        meta["host"] = .string(hop.endpoint.host)
        meta["port"] = .stringConvertible(hop.endpoint.port)
        meta["role"] = .string(hop.role.rawValue)
        meta["engine_view"] = .string(engine?.rawValue ?? "every engine")
        if let reason = hop.bundle?.reason { meta["why"] = .string(reason) }
        log(.traced(.failing), level: .notice, meta)

        // A line naming that host, with the image's registry as the registry (`RegistryHost.of`).
        let path = hop.request.split(separator: " ").dropFirst().first.map(String.init)
        let detection = Detection(
            line: 0, endpoint: hop.endpoint, engine: lead.engine, reference: tie.image, path: path, endpointFrom: .trace)
        if take(policy.decide(detection, record: lead.record, now: now), detection: detection, record: lead.record, image: tie.image) {
            // Every engine that logged a line of the pull is answered by the repair; the kubelet's line
            // adds no engine of its own when an engine's line says which one failed (the CRI runtime it
            // stands for may be another: containerd runs under cri-dockerd's dockerd too).
            for unit in units where unit != lead.unit && RegistryEngine(unit: unit) != nil { loggedBy(hop.endpoint, unit) }
            file.save(now: now, log: log)
        }
    }

    /// A failure that names no host and that no image is traced for: said once per back-off period for
    /// its image (or, with none, its source), with the command that finds the host.
    func reportHostless(_ failure: HostlessFailure, image: String?, why: String) {
        let key = image.map { "report image \($0)" } ?? "report source \(failure.source)"
        var meta: Logger.Metadata = ["engine": .string(failure.engine.rawValue), "why": .string(why)]
        if let unit = failure.unit { meta["unit"] = .string(unit) }
        if let image { meta["image"] = .string(image) }
        meta["command"] = .string("trustmend trace \(image ?? "IMAGE")")
        guard hostlessLane.pulls.due(key, now: now, every: configuration.backoff) else {
            return log.logger.debug("a failure naming no host, already reported", metadata: meta)
        }
        log(.reported(.hostless), level: .warning, meta)
    }

    /// Reports the failures no image joined within the window.
    func untie() {
        let window = hostlessLane.pulls.window
        for failure in hostlessLane.pulls.expire(now: now) {
            reportHostless(failure, image: nil, why: "no image was named for it within \(window.components.seconds) s, by the line or the kubelet")
        }
    }

    /// Wakes when the next waiting failure's window ends.
    func scheduleUntie() {
        guard hostlessLane.timer == nil, !hostlessLane.stopping, let next = hostlessLane.pulls.nextExpiry else { return }
        let deadline = start.advanced(by: next)
        hostlessLane.timer = Task { [clock] in
            try? await clock.sleep(until: deadline, tolerance: nil)
            guard !Task.isCancelled else { return }
            await self.untieNow()
        }
    }

    func untieNow() {
        hostlessLane.timer = nil
        untie()
        scheduleUntie()
    }

    /// Waits for the traces under way and what they decided (tests, through `settle`).
    public func settleTraces() async {
        while let task = hostlessLane.traces.values.first {
            await task.value
        }
    }

    /// Shutting down: traces stop where they are (they change nothing), the timer too.
    func stopTracing() {
        hostlessLane.stopping = true
        hostlessLane.timer?.cancel()
        hostlessLane.timer = nil
        for task in hostlessLane.traces.values { task.cancel() }
    }
}
