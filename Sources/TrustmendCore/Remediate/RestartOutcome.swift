/// How a restart job ended: systemd's `JobRemoved` result (`done`, `failed`, `timeout`, `canceled`, …).
public struct RestartOutcome: Sendable, Hashable {
    public var unit: String
    public var job: String
    public var result: String

    public init(unit: String, job: String, result: String) {
        self.unit = unit
        self.job = job
        self.result = result
    }

    public var succeeded: Bool { result == "done" }
}
