import FoundationEssentials

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
    /// When the main process was started (systemd's `ExecMainStartTimestamp`, wall clock); nil when
    /// systemd does not say (no main process, or the property could not be read). A Go engine loads the
    /// system roots at its first TLS handshake, after this (FACTS §1): trust changed before it is trust
    /// the process has.
    public var mainStarted: Date?
    /// The unit's start rate limit (`StartLimitBurst`, `StartLimitIntervalUSec`); nil when systemd does
    /// not say.
    public var startLimit: StartLimit?

    public init(
        loadState: String, activeState: String, subState: String, mainPID: UInt32, environment: [String],
        stopsWith: [String] = [], mainStarted: Date? = nil, startLimit: StartLimit? = nil
    ) {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.mainPID = mainPID
        self.environment = environment
        self.stopsWith = stopsWith
        self.mainStarted = mainStarted
        self.startLimit = startLimit
    }

    public var exists: Bool { loadState == "loaded" }
    public var isActive: Bool { activeState == "active" || activeState == "reloading" }

    /// True when the main process started after `changed`: it loaded roots at least that new, so a
    /// restart cannot give it newer ones. False when either time is not known.
    public func started(after changed: Date?) -> Bool {
        guard let mainStarted, let changed else { return false }
        return mainStarted > changed
    }
}
