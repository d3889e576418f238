import TrustmendCore

/// The coordinator's state moves: collecting into the batch of the moment, noting which units failed,
/// ending approvals.
extension RepairCoordinator {
    /// True once a shutdown has begun: nothing new is scheduled.
    var stopping: Bool {
        switch state {
        case .stopped: true
        case .repairing(_, _, _, let waiters): !waiters.isEmpty
        case .collecting: false
        }
    }

    /// Adds to the batch being collected (the next one while a batch is repaired), and schedules its
    /// repair for the end of the debounce window.
    func collect(schedule: Bool = true, _ add: (inout Batch) -> Void) {
        switch state {
        case .collecting(var batch, let flush):
            add(&batch)
            state = .collecting(batch, flush: flush)
            if schedule { scheduleFlush() }
        case .repairing(var next, let inFlight, let flush, let waiters):
            add(&next)
            state = .repairing(next: next, inFlight: inFlight, flush: flush, waiters: waiters)
        case .stopped(var batch):
            add(&batch)
            state = .stopped(batch)
        }
    }

    /// Schedules the repair of the batch being collected, unless one is scheduled already; the window
    /// starts now, or when the detection was decided (`start`: one the registry route handed over).
    func scheduleFlush(from start: C.Instant? = nil) {
        guard case .collecting(let batch, nil) = state else { return }
        // The deadline is taken now, not when the task first runs, so the window is exact.
        let deadline = (start ?? clock.now).advanced(by: configuration.debounce)
        let task = Task { [clock] in
            try? await clock.sleep(until: deadline, tolerance: nil)
            guard !Task.isCancelled else { return }
            await self.flush()
        }
        state = .collecting(batch, flush: task)
    }

    /// Notes that `unit` logged a failure of `endpoint`: for the repair in flight (the registry route's or
    /// the batch's), or the next one.
    func loggedBy(_ endpoint: Endpoint, _ unit: String) {
        if lane.inFlight[endpoint] != nil {
            lane.inFlight[endpoint]!.insert(unit)
        } else if case .repairing(let next, var inFlight, let flush, let waiters) = state, inFlight[endpoint] != nil {
            inFlight[endpoint]!.insert(unit)
            state = .repairing(next: next, inFlight: inFlight, flush: flush, waiters: waiters)
        } else {
            collect(schedule: false) { $0.loggedBy[endpoint, default: []].insert(unit) }
        }
    }

    /// Ends an approval: the policy learns how, it is no longer pending, and a repair (not a report) is
    /// counted under the route it took.
    func finish(_ approval: Approval, _ outcome: Policy.Outcome, route: RouteKind) {
        policy.finished(approval.endpoint, outcome, now: now)
        lane.inFlight.removeValue(forKey: approval.endpoint)
        if !approval.reportOnly { metrics.counter.update { $0.record(repair: outcome, route: route) } }
        if case .repairing(let next, var inFlight, let flush, let waiters) = state {
            inFlight.removeValue(forKey: approval.endpoint)
            state = .repairing(next: next, inFlight: inFlight, flush: flush, waiters: waiters)
        }
        if let index = file.state.pending.firstIndex(where: { $0.host == approval.endpoint.host && $0.port == approval.endpoint.port }) {
            file.state.pending.remove(at: index)
        }
    }

    /// The units whose failure an approval in flight answers now.
    func units(_ approval: Approval, runtime: String) -> [String] {
        if let logged = lane.inFlight[approval.endpoint] {
            return EngineUnits.units(for: approval.detection.engine, loggedBy: logged, runtime: runtime)
        }
        guard case .repairing(_, let inFlight, _, _) = state else { return [] }
        return EngineUnits.units(for: approval.detection.engine, loggedBy: inFlight[approval.endpoint] ?? [], runtime: runtime)
    }
}
