import FoundationEssentials

/// Which of the units owed a restart are restarted now, which are not restarted at all (with the
/// reason), and which wait for the minimum interval since trustmend last restarted them.
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
        /// No longer owed: its main process started after the bundle last changed (restarted meanwhile).
        case current(unit: String, reason: String)
    }

    public var steps: [Step]

    /// The units still owed after the steps.
    public var stillOwed: [String] {
        steps.compactMap { if case .postponed(let unit, _) = $0 { unit } else { nil } }
    }

    /// How long from `now` until the first postponed restart may run, in whole seconds rounded up.
    public let retryAfter: Duration?

    /// - Parameters:
    ///   - facts: containerd's and docker's state and docker's live-restore.
    ///   - others: the state of every other owed unit (nil: not known, taken as not running).
    ///   - lastRestart: when trustmend last restarted each unit (wall clock).
    ///   - trustChanged: when the system bundle last changed; a unit whose main process started after it
    ///     already has those roots (restarted meanwhile by systemd or the operator) and is owed nothing.
    public init(
        owed: [String], facts: EngineFacts, others: [String: UnitState], configuration: Configuration, lastRestart: [String: Date], now: Date,
        trustChanged: Date? = nil
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
                if let last = lastRestart[unit] {
                    let next = last + TimeInterval(configuration.restartMinInterval.components.seconds)
                    if next > now {
                        steps.append(.postponed(unit: unit, until: next))
                        let wait = next.timeIntervalSince(now).rounded(.up)
                        retry = min(retry ?? wait, wait)
                        continue
                    }
                }
                steps.append(.restart(unit: unit, warning: warning))
            }
        }
        self.steps = steps
        retryAfter = retry.map { .seconds($0) }
    }

    /// Why a unit that started after the bundle changed is not restarted.
    public static func alreadyCurrent(started: Date, changed: Date) -> String {
        "its main process started at \(started.formatted(.iso8601)), after the bundle last changed at \(changed.formatted(.iso8601)): "
            + "it already has these roots"
    }
}
