/// What systemd said about a unit.
public struct UnitState: Sendable, Hashable {
    public var loadState: String
    public var activeState: String
    public var subState: String
    public var mainPID: UInt32
    /// The unit's `Environment=` entries (`KEY=value`).
    public var environment: [String]
    /// Units this one stops with (`Requires=` and `BindsTo=`): restarting one of them stops this unit too.
    public var stopsWith: [String]

    public init(
        loadState: String, activeState: String, subState: String, mainPID: UInt32, environment: [String],
        stopsWith: [String] = []
    ) {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.mainPID = mainPID
        self.environment = environment
        self.stopsWith = stopsWith
    }

    public var exists: Bool { loadState == "loaded" }
    public var isActive: Bool { activeState == "active" || activeState == "reloading" }
}
