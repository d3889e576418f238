import FoundationEssentials
import Logging
import TrustmendCore

extension RepairCoordinator {
    /// Restarts the units owed one, as `RestartSchedule` decides; the postponed stay owed and are tried
    /// again when the first of them may run.
    func restartOwed() async {
        let owed = file.state.restartsOwed
        guard !owed.isEmpty else { return }
        let facts = EngineFacts(
            containerd: try? await wiring.systemd.activeState(of: EngineUnit.containerd.name),
            docker: try? await wiring.systemd.activeState(of: EngineUnit.docker.name), dockerLiveRestore: wiring.dockerLiveRestore())
        var others: [String: UnitState] = [:]
        for unit in owed where unit != EngineUnit.containerd.name && unit != EngineUnit.docker.name {
            others[unit] = try? await wiring.systemd.activeState(of: unit)
        }
        // An engine that started after the bundle last changed (restarted meanwhile) is owed nothing.
        let schedule = RestartSchedule(
            owed: owed, facts: facts, others: others, configuration: configuration, lastRestart: file.state.lastRestart, now: wallNow,
            trustChanged: wiring.makeRepairer(configuration).store.trustChangedAt())
        for step in schedule.steps {
            switch step {
            case .notDone(let unit, let reason):
                log(.restartDeferred, "restart required but not done", level: .warning, ["unit": .string(unit), "why": .string(reason)])
            case .current(let unit, let reason):
                log.logger.info("restart no longer owed: the engine has run since the bundle changed", metadata: ["unit": .string(unit), "why": .string(reason)])
            case .postponed(let unit, let until):
                log(.restartDeferred, "restart postponed: minimum interval", level: .notice, ["unit": .string(unit), "until": .string(until.formatted(.iso8601))])
            case .restart(let unit, let warning):
                await restart(unit, warning: warning)
            }
        }
        file.state.restartsOwed = schedule.stillOwed
        file.save(now: now, log: log)
        if let wait = schedule.retryAfter, !stopping {
            let deadline = start.advanced(by: now + wait)
            retryTask?.cancel()
            retryTask = Task { [clock] in
                try? await clock.sleep(until: deadline, tolerance: nil)
                guard !Task.isCancelled else { return }
                await self.flush()
            }
        }
    }

    /// One restart: recorded (and saved) before it is asked for, so a crash meanwhile does not repeat it.
    func restart(_ unit: String, warning: String?) async {
        var meta: Logger.Metadata = ["unit": .string(unit)]
        if let warning { meta["warning"] = .string(warning) }
        log(.restartRequested, "restarting the engine to reload its roots", level: .notice, meta)
        file.state.lastRestart[unit] = wallNow
        file.save(now: now, log: log)
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
}
