import FoundationEssentials
import Logging
import TrustmendCore

extension RepairCoordinator {
    /// Restarts the units owed one, as `RestartSchedule` decides; the postponed (minimum interval, start
    /// limit) stay owed and are tried again when the first of them may run.
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
        noteStarts([(EngineUnit.containerd.name, facts.containerd), (EngineUnit.docker.name, facts.docker)] + others.map { ($0.key, $0.value) })
        // An engine that started after the bundle last changed (restarted meanwhile) is owed nothing.
        let schedule = RestartSchedule(
            owed: owed, facts: facts, others: others, configuration: configuration, lastRestart: file.state.lastRestart, now: wallNow,
            trustChanged: wiring.makeRepairer(configuration).store.trustChangedAt(), starts: file.state.starts)
        for step in schedule.steps {
            switch step {
            case .notDone(let unit, let reason):
                log(.restartDeferred(postponed: false), level: .warning, ["unit": .string(unit), "why": .string(reason)])
            case .current(let unit, let reason):
                log(.note(.restartNotOwed), level: .info, ["unit": .string(unit), "why": .string(reason)])
            case .postponed(let unit, let until):
                log(.restartDeferred(postponed: true), level: .notice, ["unit": .string(unit), "until": .string(until.formatted(.iso8601))])
            case .startLimited(let unit, let until, let limited, let started, let limit):
                log(.restartDeferred(postponed: true), level: .notice, [
                    "unit": .string(unit), "until": .string(until.formatted(.iso8601)), "reason": .string(StartLimitCheck.reason),
                    "limited": .string(limited), "started": .stringConvertible(started), "limit": .stringConvertible(limit.burst),
                    "interval": .string(limit.intervalText),
                ])
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

    /// Counts each start systemd reports once (a crash restarted by `Restart=`, the operator's restart),
    /// and forgets the starts no start limit window holds any more.
    func noteStarts(_ units: [(String, UnitState?)]) {
        for (unit, state) in units {
            guard let state, state.exists else { continue }
            var starts = file.state.starts[unit] ?? UnitStarts()
            starts.observe(state.mainStarted, now: wallNow)
            starts.prune(state.startLimit, now: wallNow)
            file.state.starts[unit] = starts
        }
    }

    /// One restart: recorded (and saved) before it is asked for, so a crash meanwhile does not repeat it,
    /// and counted as a start against the unit's start limit, so a crash meanwhile does not forget it.
    func restart(_ unit: String, warning: String?) async {
        var meta: Logger.Metadata = ["unit": .string(unit)]
        if let warning { meta["warning"] = .string(warning) }
        log(.restartRequested, level: .notice, meta)
        let asked = wallNow
        file.state.lastRestart[unit] = asked
        file.state.starts[unit, default: UnitStarts()].record(asked, now: asked)
        file.save(now: now, log: log)
        defer { file.save(now: now, log: log) }
        do {
            let outcome = try await wiring.systemd.restart(unit: unit, timeout: configuration.restartTimeout)
            if outcome.succeeded {
                log(.restartCompleted, level: .notice, meta)
            } else {
                meta["result"] = .string(outcome.result)
                log(.restartFailed, level: .error, meta)
            }
        } catch {
            meta["error"] = .string("\(error)")
            log(.restartFailed, level: .error, meta)
        }
        // The unit's new ExecMainStartTimestamp is this restart's start, not one more.
        let after = try? await wiring.systemd.activeState(of: unit)
        file.state.starts[unit]?.restarted(asked: asked, finished: wallNow, mainStarted: after?.mainStarted)
    }
}
