/// Restarts a systemd unit and reports how the job ended.
public protocol UnitRestarter: Sendable {
    func restart(unit: String, timeout: Duration) async throws -> RestartOutcome
    func activeState(of unit: String) async throws -> UnitState
}
