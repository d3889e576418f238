import Logging
import TrustmendCore

extension RepairCoordinator {
    /// A fetched chain on its way to the repairer.
    struct Fetched {
        var approval: Approval
        var request: RepairRequest
        var chain: PeerChain
        var why: String
    }

    /// One batch in sequence: plan it, fetch each chain, repair per route target, restart what is owed,
    /// then report.
    func repair(_ batch: Batch) async {
        var owed = Set(file.state.restartsOwed)
        let runtime = batch.approvals.isEmpty ? EngineUnit.containerd.name : await criRuntime()
        let facts = batch.approvals.contains { $0.route != .system } && wiring.makeRegistryStore != nil ? await wiring.routeFacts() : nil
        let plan = BatchPlan(approvals: batch.approvals, loggedBy: batch.loggedBy, runtime: runtime, facts: facts)
        owed.formUnion(await repair(plan.items, runtime: runtime))
        await restartAndReport(batch, owed: owed)
    }

    /// Fetches each item's chain and repairs them per route target (the batch's items, or the registry
    /// route's at once), one ledger transaction at a time; returns the units owed a restart.
    func repair(_ items: [BatchPlan.Item], runtime: String) async -> Set<String> {
        var owed = Set<String>()
        var fetched: [(target: RouteTarget, item: Fetched)] = []
        for item in items {
            let approval = item.approval
            let options = await fetchOptions(approval.endpoint, unit: item.units.first)
            var meta = EventLog.fields(approval.detection)
            let choice: RouteChoice
            switch item.route {
            case .success(let chosen): choice = chosen
            case .failure(let refusal):
                meta["route"] = .string(RouteKind.registry.rawValue)
                meta["why"] = .string(refusal.description)
                log(.refused(.registryRoute), level: .warning, meta)
                finish(approval, .failed, route: .registry)
                continue
            }
            do {
                let chain = try await wiring.fetcher.fetchChain(from: approval.endpoint, options: options)
                if approval.reportOnly {
                    reportWouldInstall(approval, chain: chain, route: choice)
                    finish(approval, .reported, route: choice.target.route)
                    continue
                }
                // The cap again, now that the chain was fetched: one batch cannot install past it, and
                // approvals that never got this far (a dead port) took no slot.
                let veto = approval.installVeto ?? policy.reserveInstall(approval.endpoint, now: now)
                let request = RepairRequest(
                    endpoint: approval.endpoint, fetchOptions: options, choice: approval.choice, pins: approval.pins,
                    reason: approval.reason, rule: approval.authority, installVeto: veto?.description)
                fetched.append((choice.target, Fetched(approval: approval, request: request, chain: chain, why: choice.why)))
            } catch {
                meta["error"] = .string("\(error)")
                log(.refused(.fetch), level: .warning, meta)
                finish(approval, .failed, route: choice.target.route)
            }
        }

        for (target, group) in BatchPlan.groups(fetched) {
            var repairer = wiring.makeRepairer(configuration)
            if case .registry(let registry, let engines) = target, let make = wiring.makeRegistryStore {
                repairer.store = make(registry, engines)
            }
            await takeLedgerTurn()
            let results = await repairer.repairBatch(group.map { ($0.request, $0.chain) })
            passLedgerTurn()
            for (item, result) in zip(group, results) {
                let approval = item.approval
                let units = units(approval, runtime: runtime)
                var meta = EventLog.fields(approval.detection)
                if !units.isEmpty { meta["unit"] = .string(units.joined(separator: ",")) }
                meta["route"] = .string(target.route.rawValue)
                meta["route_reason"] = .string(item.why)
                switch result {
                case .success(let outcome):
                    let followUp = await followUp(outcome, units: units, approval: approval, store: repairer.store)
                    if case .notStaleRoots = followUp {
                        reportNotStale(approval.endpoint, followUp, meta)
                    } else {
                        log.result(result, followUp: followUp, meta)
                    }
                    owed.formUnion(followUp.owed)
                    finish(approval, RepairFollowUp.policyOutcome(outcome), route: target.route)
                case .failure(let error) where error.cause is InstallVetoed:
                    reportCapped(approval, error, meta)
                    finish(approval, .capped, route: target.route)
                case .failure:
                    log.result(result, followUp: .nothing, meta)
                    finish(approval, .failed, route: target.route)
                }
            }
        }
        return owed
    }

    /// The end of a batch: the restarts owed, then the reports.
    func restartAndReport(_ batch: Batch, owed: Set<String>) async {
        file.state.restartsOwed = owed.sorted()
        file.save(now: now, log: log)
        await restartOwed()

        // Reports last, so that a flood of hosts outside the policy never holds up a repair. Only when
        // the operator asked (`fetch.unlisted_hosts`) do the first few fetch the chain (for the anchor's
        // fingerprint in the command to run): otherwise a line would choose where the root daemon connects.
        for (i, item) in batch.reports.enumerated() {
            await report(
                item.endpoint, reason: item.reason, unit: item.unit, fetch: configuration.fetchUnlisted && i < BatchPlan.reportFetches, image: item.image)
        }
        announceDrops(reports: batch.droppedReports)
    }

    /// The CRI runtime in use (`BatchPlan.runtime(active:)`), asked of systemd at every batch.
    func criRuntime() async -> String {
        var active = Set<String>()
        for unit in BatchPlan.runtimeCandidates {
            if (try? await wiring.systemd.activeState(of: unit))?.isActive == true {
                active.insert(unit)
                break
            }
        }
        return BatchPlan.runtime(active: active)
    }
}
