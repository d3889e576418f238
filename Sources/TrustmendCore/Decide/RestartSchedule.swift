import FoundationEssentials

/// Which of the units owed a restart are restarted now, which are not restarted at all (with the
/// reason), and which wait: for the minimum interval since trustmend last restarted them, or until a
/// restart no longer takes a unit into its start limit (`StartLimitCheck`).
///
/// The engines go through `RestartPlanner` under the configuration's `restart.*` settings; any other
/// unit (CRI-O) is restarted when it runs.
public struct RestartSchedule: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case restart(unit: String, warning: String?)
        /// Not restarted, and no longer owed: a restart would do harm, or is off by configuration.
        case notDone(unit: String, reason: String)
        /// Still owed: the minimum interval since the last restart ends at `until`.
        case postponed(unit: String, until: Date)
        /// Still owed: restarting now would take `limited` (the unit, or docker.service when it stops with
        /// containerd) to its start limit, having `started` known starts in its interval; retried at `until`.
        case startLimited(unit: String, until: Date, limited: String, started: Int, limit: StartLimit)
        /// No longer owed: its main process started after the bundle last changed (restarted meanwhile).
        case current(unit: String, reason: String)
    }

    public var steps: [Step]

    /// The units still owed after the steps.
    public var stillOwed: [String] {
        steps.compactMap {
            switch $0 {
            case .postponed(let unit, _), .startLimited(let unit, _, _, _, _): unit
            default: nil
            }
        }
    }

    /// How long from `now` until the first postponed restart may run, in whole seconds rounded up.
    public let retryAfter: Duration?

    /// - Parameters:
    ///   - facts: containerd's and docker's state and docker's live-restore.
    ///   - others: the state of every other owed unit (nil: not known, taken as not running).
    ///   - lastRestart: when trustmend last restarted each unit (wall clock).
    ///   - trustChanged: when the system bundle last changed; a unit whose main process started after it
    ///     already has those roots (restarted meanwhile by systemd or the operator) and is owed nothing.
    ///   - starts: the starts trustmend knows of, per unit, held against each unit's start limit.
    public init(
        owed: [String], facts: EngineFacts, others: [String: UnitState], configuration: Configuration, lastRestart: [String: Date], now: Date,
        trustChanged: Date? = nil, starts: [String: UnitStarts] = [:]
    ) {
        var steps: [Step] = []
        var retry: TimeInterval?
        for unit in owed {
            let state = unit == EngineUnit.containerd.name ? facts.containerd : unit == EngineUnit.docker.name ? facts.docker : others[unit]
            if let state, state.isActive, state.started(after: trustChanged), let started = state.mainStarted, let changed = trustChanged {
                steps.append(.current(unit: unit, reason: Self.alreadyCurrent(started: started, changed: changed)))
                continue
            }
            let decision: RestartDecision
            switch unit {
            case EngineUnit.docker.name:
                decision = configuration.restartDocker == .never
                    ? .skip(unit: unit, reason: "restart.docker is never")
                    : RestartPlanner.docker(facts, explicit: configuration.restartDocker == .always)
            case EngineUnit.containerd.name:
                decision = configuration.restartContainerd == .never
                    ? .skip(unit: unit, reason: "restart.containerd is never")
                    : RestartPlanner.containerd(facts, explicit: false)
            default:
                decision = others[unit]?.isActive == true ? .restart(unit: unit, warning: nil) : .skip(unit: unit, reason: "it is not running")
            }
            switch decision {
            case .skip(_, let reason):
                steps.append(.notDone(unit: unit, reason: reason))
            case .restart(_, let warning):
                var step = Step.restart(unit: unit, warning: warning)
                var until: Date?
                if let last = lastRestart[unit] {
                    let next = last + TimeInterval(configuration.restartMinInterval.components.seconds)
                    if next > now { (step, until) = (Step.postponed(unit: unit, until: next), next) }
                }
                // Never into a start limit, whatever the minimum interval: the later wait is the one said.
                for (limited, limitState) in Self.started(by: unit, state: state, facts: facts) {
                    let limit = limitState.startLimit
                    if case .wait(let next, let started) = StartLimitCheck.check(limit, starts: starts[limited]?.times ?? [], now: now),
                        let limit, next > until ?? now
                    {
                        (step, until) = (Step.startLimited(unit: unit, until: next, limited: limited, started: started, limit: limit), next)
                    }
                }
                steps.append(step)
                if let until {
                    let wait = until.timeIntervalSince(now).rounded(.up)
                    retry = min(retry ?? wait, wait)
                }
            }
        }
        self.steps = steps
        retryAfter = retry.map { .seconds($0) }
    }

    /// The units a restart of `unit` starts, with their state: itself, and docker.service when it stops
    /// with containerd (`Requires=`/`BindsTo=` carry the restart over, FACTS §13).
    static func started(by unit: String, state: UnitState?, facts: EngineFacts) -> [(String, UnitState)] {
        var units: [(String, UnitState)] = state.map { [(unit, $0)] } ?? []
        if unit == EngineUnit.containerd.name, facts.dockerStopsWithContainerd, let docker = facts.docker, docker.isActive {
            units.append((EngineUnit.docker.name, docker))
        }
        return units
    }

    /// Why a unit that started after the bundle changed is not restarted.
    public static func alreadyCurrent(started: Date, changed: Date) -> String {
        "its main process started at \(started.formatted(.iso8601)), after the bundle last changed at \(changed.formatted(.iso8601)): "
            + "it already has these roots"
    }
}
