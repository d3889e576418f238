import FoundationEssentials
import Synchronization
import TrustmendCore

/// systemd's units in memory: restarts are recorded and answered at once, as the stand-in on the
/// private bus answers them (`Tests/Support/systemd_standin.py`): a restart that ends `done` gives the
/// unit a new MainPID (+1000) and a new main process start time (now), an unknown unit is `not-found`
/// and cannot be restarted. Like the stand-in, it reports a unit's start limit and does not enforce it:
/// the tests count the restarts asked for.
public final class FakeUnitRestarter: UnitRestarter {
    /// One unit: its state and how its next restart ends (`done`, `failed`, …).
    public struct Unit: Sendable {
        public var state: UnitState
        public var result: String

        /// - Parameters:
        ///   - started: when its main process started; by default now for a running unit.
        ///   - startLimit: `StartLimitBurst` and `StartLimitIntervalUSec`; nil: systemd does not say.
        public init(
            active: String = "active", pid: UInt32 = 100, environment: [String] = [], stopsWith: [String] = [], result: String = "done",
            started: Date? = nil, startLimit: StartLimit? = nil
        ) {
            state = UnitState(loadState: "loaded", activeState: active, subState: active == "active" ? "running" : "dead", mainPID: pid,
                environment: environment, stopsWith: stopsWith, mainStarted: started ?? (active == "active" ? Date() : nil), startLimit: startLimit)
            self.result = result
        }
    }

    /// A restart of a unit systemd does not know.
    public struct NoSuchUnit: Error, CustomStringConvertible {
        public var unit: String
        public var description: String { "Unit \(unit) not found." }
    }

    private let state: Mutex<(units: [String: Unit], restarts: [String], jobs: Int)>

    public init(units: [String: Unit] = [:]) {
        state = Mutex((units, [], 0))
    }

    /// The units restarted so far, in order.
    public var restarts: [String] { state.withLock { $0.restarts } }

    public func set(_ name: String, _ unit: Unit?) { state.withLock { $0.units[name] = unit } }

    public func setRestartResult(_ name: String, _ result: String) { state.withLock { $0.units[name]?.result = result } }

    public func restart(unit: String, timeout: Duration) async throws -> RestartOutcome {
        try state.withLock { s in
            guard var u = s.units[unit] else { throw NoSuchUnit(unit: unit) }
            s.restarts.append(unit)
            s.jobs += 1
            if u.result == "done" {
                u.state.mainPID += 1000
                u.state.activeState = "active"
                u.state.mainStarted = Date()
                s.units[unit] = u
            }
            return RestartOutcome(unit: unit, job: "/org/freedesktop/systemd1/job/\(s.jobs)", result: u.result)
        }
    }

    public func activeState(of unit: String) async throws -> UnitState {
        state.withLock { $0.units[unit]?.state }
            ?? UnitState(loadState: "not-found", activeState: "inactive", subState: "dead", mainPID: 0, environment: [])
    }
}
