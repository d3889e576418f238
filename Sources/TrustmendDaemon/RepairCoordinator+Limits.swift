import FoundationEssentials
import Logging
import TrustmendCore

/// What text must not be able to cause (issue 16, items 6, 8 and 9): a restart of an engine that already
/// has the roots, a back-off of an endpoint for the cap, unbounded queues. Each is decided in Core; here
/// the facts are gathered and the rate-limited lines written.
extension RepairCoordinator {
    /// What a repair's result leaves owed. For a chain already trusted on the system route, each engine's
    /// main process start and the bundle's last change decide whether its failure is one of stale roots.
    func followUp(_ outcome: RepairOutcome, units: [String], approval: Approval, store: any AnchorStore) async -> RepairFollowUp {
        var started: [String: Date] = [:]
        var changed: Date?
        switch outcome {
        case .alreadyTrusted, .alreadyInstalled:
            guard store.restartsEngines else { break }
            changed = store.trustChangedAt()
            for unit in units {
                if let start = (try? await wiring.systemd.activeState(of: unit))?.mainStarted { started[unit] = start }
            }
        case .installed, .planned:
            break
        }
        return RepairFollowUp.after(
            outcome, units: units, loggedAt: approval.loggedAt, lastRestart: file.state.lastRestart,
            restartsEngines: store.restartsEngines, started: started, trustChanged: changed)
    }

    /// An engine that failed though it started after the bundle last changed: no restart, said once per
    /// back-off period for the endpoint.
    func reportNotStale(_ endpoint: Endpoint, _ followUp: RepairFollowUp, _ metadata: Logger.Metadata) {
        guard case .notStaleRoots(let started, let changed) = followUp else { return }
        var meta = metadata
        let units = started.keys.sorted()
        meta["unit"] = .string(units.joined(separator: ","))
        meta["why"] = .string(
            units.map { "\($0) started at \(started[$0]!.formatted(.iso8601))" }.joined(separator: ", ")
                + ", after the bundle last changed at \(changed.formatted(.iso8601)): it already has roots that trust this chain, "
                + "so a restart would not repair this failure (or the line was not the engine's own)")
        guard policy.reportDue(endpoint, .notStaleRoots, now: now) else {
            return log.logger.debug("already trusted, and the engine started after the bundle changed: nothing owed", metadata: meta)
        }
        log(.refused, "already trusted by the bundle, and the engine started after it changed: not restarted", level: .warning, meta)
    }

    /// An install refused for the hourly cap at install time: reported once per back-off period for the
    /// endpoint, which is not backed off.
    func reportCapped(_ approval: Approval, _ error: RepairError, _ metadata: Logger.Metadata) {
        var meta = metadata
        meta["why"] = .string((error.cause as? InstallVetoed)?.reason ?? "\(error.cause)")
        guard policy.reportDue(approval.endpoint, .hourlyCap, now: now) else {
            return log.logger.debug("not installed: the hourly cap", metadata: meta)
        }
        log(.refused, "not installed: the hourly cap is reached; the next failure is tried again", level: .warning, meta)
    }

    /// Says, once per back-off period for each source, how many detections its fetch budget turned away,
    /// and how many reports this batch left out.
    func announceDrops(reports: Int) {
        for drops in policy.budgetAnnouncements(now: now) {
            log(.refused, "detections dropped: the fetch budget is spent", level: .warning, [
                "source": .string(drops.source.description), "dropped": .stringConvertible(drops.count),
                "why": .string(policy.budgetLimits + "; nothing is backed off, a failure is taken again at its next line"),
            ])
        }
        if reports > 0 {
            log(.refused, "reports dropped: too many in one batch", level: .warning, [
                "dropped": .stringConvertible(reports), "why": .string("at most \(BatchPlan.maxReports) skips are reported per batch"),
            ])
        }
    }
}
