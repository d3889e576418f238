import FoundationEssentials

/// Whether restarting a unit now stays clear of its start limit, from the starts trustmend knows of
/// (`UnitStarts`); if not, until when to wait. Whatever `restart.min_interval` says, trustmend never
/// restarts a unit into its limit: the start past it leaves the unit stopped (FACTS §24).
public enum StartLimitCheck: Sendable, Hashable {
    case clear
    /// `started` known starts within the interval; the restart may run at `until`.
    case wait(until: Date, started: Int)

    /// The `reason` field of the `restart-deferred` event it causes.
    public static let reason = "start-limit"

    /// One start is kept spare: trustmend's restart must never be the start that brings a unit to its
    /// burst. The spare is for the unit's own `Restart=` (docker's and containerd's units restart on
    /// failure: an engine that crashes after trustmend's restart must be started again, and a start
    /// refused there leaves the node without an engine), and it covers a start trustmend could not see (a
    /// crash and its restart between two reads of `ExecMainStartTimestamp`). With a burst of 1 there is no
    /// spare to keep: waiting would never make one, so the restart runs when no known start is in the
    /// window.
    public static func spare(_ limit: StartLimit) -> Int { limit.burst >= 2 ? 1 : 0 }

    /// A second past the interval: systemd's window holds a start exactly `interval` old (it opens a new
    /// one only past that, `ratelimit_below`), and its clock (monotonic) and trustmend's (wall) are not
    /// the same clock.
    public static let margin: TimeInterval = 1

    /// - Parameters:
    ///   - limit: the unit's limit; nil (not read) or none (burst or interval 0): clear.
    ///   - starts: the known starts (wall clock); one later than `now` (the clock went back) counts as now.
    public static func check(_ limit: StartLimit?, starts: [Date], now: Date) -> StartLimitCheck {
        guard let limit, limit.limits else { return .clear }
        // A sliding window over the known starts: systemd's window is fixed (it opens at the first start
        // after the last one closed), and every start its window holds is within `interval` of now, so
        // counting the last `interval` never counts fewer than systemd does.
        let horizon = now - limit.seconds
        let inWindow = starts.map { min($0, now) }.filter { $0 >= horizon }.sorted()
        let usable = Int(limit.burst) - spare(limit)
        guard inWindow.count + 1 > usable else { return .clear }
        // The oldest starts that must leave the window before this one fits.
        let leaving = inWindow.count + 1 - usable
        return .wait(until: inWindow[leaving - 1] + limit.seconds + margin, started: inWindow.count)
    }
}
