/// A unit's start rate limit, as systemd enforces it: at most `burst` starts within `interval`. The
/// start past it fails (`start-limit-hit`) and leaves the unit stopped until someone runs `systemctl
/// reset-failed` — docker.service ships 3 starts in 60 s (FACTS §24).
///
/// systemd counts every start, whoever asked for it: `systemctl restart`, trustmend's `RestartUnit`, and
/// its own `Restart=` after a crash. A burst of 0 or an interval of 0 is no limit.
public struct StartLimit: Sendable, Hashable {
    /// `StartLimitBurst`.
    public var burst: UInt32
    /// `StartLimitIntervalUSec` (`StartLimitIntervalSec=`).
    public var interval: Duration

    public init(burst: UInt32, interval: Duration) {
        self.burst = burst
        self.interval = interval
    }

    /// From the D-Bus properties: `StartLimitBurst` (u) and `StartLimitIntervalUSec` (t, µs; `infinity` is
    /// UINT64_MAX, kept as the longest interval a `Duration` of µs holds).
    public init(burst: UInt32, intervalMicroseconds usec: UInt64) {
        self.burst = burst
        interval = .microseconds(Int64(clamping: usec))
    }

    /// False for a burst or an interval of 0: systemd then starts the unit as often as asked.
    public var limits: Bool { burst > 0 && interval > .zero }

    /// The interval in seconds, for `Date` arithmetic.
    public var seconds: Double {
        Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
    }

    /// The interval in whole seconds, rounded up, as the sentences write it ("60s").
    public var intervalText: String {
        let c = interval.components
        return "\(c.seconds + (c.attoseconds > 0 ? 1 : 0))s"
    }
}
