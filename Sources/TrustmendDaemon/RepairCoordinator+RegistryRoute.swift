import TrustmendCore

/// The registry route does not wait for the batch (issue 17, item 4). The debounce exists so that the
/// system route runs its update tool and each restart once for every failure of a window; a write to a
/// registry's `certs.d` needs neither (the engine reads it at its next pull), so waiting only delays
/// the pull that would work.
///
/// An approval whose route may be the registry route (its rule's or the configuration's route is
/// `registry` or `auto`, and the daemon has the route) is planned as soon as it is decided: the route
/// facts are read and the route chosen as a batch chooses it (`BatchPlan`: the registry's scope, the
/// engines that read `certs.d`). What takes the registry route, or is refused it, goes to the repair
/// worker at once; an `auto` approval the registry route cannot serve joins the batch, whose window is
/// counted from its detection. Every other guard is the batch's own: the policy decided it (caps,
/// budgets, one approval per endpoint until it ends), its pending repair was saved before the planner
/// saw it, and the repair is the batch's code (`repair(_:runtime:)`: the cap reserved again after the
/// fetch, the anchor-changed refusal in the planner, the ledger transaction).
///
/// One planner and one repair worker, each started when there is work: registry repairs run one after
/// the other, at most one fetch of theirs at a time beside the batch's, and the approvals decided while
/// one runs are repaired together next (the fetch budget bounds how many). Parallel repairs would gain
/// little, since their ledger transactions would wait for each other anyway, and would put two writes
/// to one registry's directory side by side (a registry and its token host). The planner is apart so
/// that a repair stuck on a dead port (up to the connect and handshake timeouts) holds up no system
/// route approval's way to the batch. Ledger transactions of the registry route and the batch take
/// turns (`takeLedgerTurn`): each loads the ledger, awaits the update tool and saves over what it
/// loaded, so two at once would lose one's entries.
extension RepairCoordinator {
    /// The registry route's planner and repair worker, and what waits for each.
    struct RegistryLane {
        /// Approvals decided and not yet planned, with when each was decided.
        var waiting: [(approval: Approval, decided: C.Instant)] = []
        /// Planned onto the registry route (or refused it), with the CRI runtime they were planned with.
        var ready: [(items: [BatchPlan.Item], runtime: String)] = []
        /// The journal units that logged each endpoint waiting, ready or being repaired here.
        var inFlight: [Endpoint: Set<String>] = [:]
        /// Running while there is work; nil when idle.
        var planner: Task<Void, Never>?
        var worker: Task<Void, Never>?
        /// Shutting down: what is under way finishes, nothing else starts (what waits stays pending).
        var stopping = false
    }

    /// Ledger transactions one at a time, first come first served.
    struct LedgerTurn {
        var taken = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Sends an approval where it is repaired: the registry route's planner when its route may be the
    /// registry route, else the batch being collected.
    func enqueue(_ approval: Approval) {
        guard approval.route != .system, wiring.makeRegistryStore != nil else { return collect { $0.approvals.append(approval) } }
        lane.waiting.append((approval, clock.now))
        lane.inFlight[approval.endpoint] = []
        guard lane.planner == nil, !lane.stopping else { return }
        lane.planner = Task { await self.planRegistryRoute() }
    }

    /// The planner: the route of each waiting approval, from the facts read now; the registry route's
    /// repairs and refusals to the worker, the system route's to the batch.
    func planRegistryRoute() async {
        while !lane.stopping, !lane.waiting.isEmpty {
            let round = lane.waiting
            lane.waiting = []
            let runtime = await criRuntime()
            let facts = await wiring.routeFacts()
            let approvals = round.map(\.approval)
            let logged = Dictionary(approvals.map { ($0.endpoint, lane.inFlight[$0.endpoint] ?? []) }, uniquingKeysWith: { $0.union($1) })
            let plan = BatchPlan(approvals: approvals, loggedBy: logged, runtime: runtime, facts: facts)
            var atOnce: [BatchPlan.Item] = []
            for (item, decided) in zip(plan.items, round.map(\.decided)) {
                guard case .success(let choice) = item.route, choice.target == .system else {
                    atOnce.append(item)
                    continue
                }
                // `auto`, and the registry route cannot serve it: the batch's update tool and restarts.
                let endpoint = item.approval.endpoint
                let units = lane.inFlight.removeValue(forKey: endpoint) ?? []
                collect(schedule: false) { $0.approvals.append(item.approval) }
                for unit in units { loggedBy(endpoint, unit) }
                scheduleFlush(from: decided)
            }
            guard !atOnce.isEmpty else { continue }
            lane.ready.append((atOnce, runtime))
            if lane.worker == nil { lane.worker = Task { await self.repairOnRegistryRoute() } }
        }
        lane.planner = nil
    }

    /// The repair worker: what the planner made ready, one group after the other.
    func repairOnRegistryRoute() async {
        while !lane.stopping, !lane.ready.isEmpty {
            let (items, runtime) = lane.ready.removeFirst()
            // Nothing on this route is owed a restart (its stores read changes at the next pull).
            _ = await repair(items, runtime: runtime)
            // What ended is no longer pending: a crash from here on does not redo it.
            file.save(now: now, log: log)
            batchEnded()
        }
        lane.worker = nil
    }

    /// Waits until the registry route has nothing waiting or under way (tests, shutdown).
    public func settleRegistryRoute() async {
        while true {
            if let planner = lane.planner {
                await planner.value
            } else if let worker = lane.worker {
                await worker.value
            } else {
                return
            }
        }
    }

    /// Waits for the ledger; `passLedgerTurn` gives it to the next.
    func takeLedgerTurn() async {
        guard ledgerTurn.taken else {
            ledgerTurn.taken = true
            return
        }
        await withCheckedContinuation { ledgerTurn.waiters.append($0) }
    }

    func passLedgerTurn() {
        if ledgerTurn.waiters.isEmpty {
            ledgerTurn.taken = false
        } else {
            ledgerTurn.waiters.removeFirst().resume()
        }
    }
}
