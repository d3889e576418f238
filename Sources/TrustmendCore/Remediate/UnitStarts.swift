import FoundationEssentials

/// The starts of one unit that trustmend knows of, kept in the daemon state so that a restart of
/// trustmend forgets none of them.
///
/// systemd does not expose its start-rate counter, so this counts what can be known: the restarts
/// trustmend asked for, and each new `ExecMainStartTimestamp` it reads (a crash restarted by `Restart=`,
/// the operator's `systemctl restart`). Starts between two reads are not seen; `StartLimitCheck` keeps a
/// start spare for that. `ExecMainStartTimestamp` rather than `ActiveEnterTimestamp`: a start whose
/// process exits at once counts against the limit, and only the former moves for it.
public struct UnitStarts: Codable, Sendable, Hashable {
    /// Known starts (wall clock, whole seconds rounded up), oldest first. The state file writes dates in
    /// whole seconds: rounded up, a start stays in the window at least as long as it does for systemd.
    public var times: [Date]
    /// The unit's `ExecMainStartTimestamp` when last read, in µs since the epoch as systemd gives it (a
    /// `Date` would lose the fraction in the state file): another value is a start not yet counted.
    public var lastSeen: Int64?

    public init(times: [Date] = [], lastSeen: Date? = nil) {
        self.times = times
        self.lastSeen = lastSeen.map(Self.microseconds)
    }

    /// At most this many starts are kept: more than any burst trustmend needs to compare with.
    public static let kept = 64

    /// Counts the main process start systemd reports, once. The first one read counts too: it is a start,
    /// perhaps a recent one.
    public mutating func observe(_ mainStarted: Date?, now: Date) {
        guard let started = mainStarted, Self.microseconds(started) != lastSeen else { return }
        lastSeen = Self.microseconds(started)
        add(started, now: now)
    }

    /// A restart trustmend is about to ask for, counted before it is asked (a crash meanwhile forgets
    /// nothing; a job that fails was still a start to systemd).
    public mutating func record(_ at: Date, now: Date) {
        add(at, now: now)
    }

    /// After trustmend's restart: the start it made is counted at `finished` (the start happened before
    /// the job ended; the later time keeps it in the window longer, never shorter), and the unit's new
    /// `ExecMainStartTimestamp` is that start, not another.
    public mutating func restarted(asked: Date, finished: Date, mainStarted: Date?) {
        if let i = times.lastIndex(of: Self.whole(asked)) {
            times.remove(at: i)
            add(finished, now: finished)
        }
        if let mainStarted { lastSeen = Self.microseconds(mainStarted) }
    }

    /// Drops the starts no window of `limit` holds any more, and takes one kept from before the wall
    /// clock went back as now (see `add`). Without a limit nothing is worth keeping.
    public mutating func prune(_ limit: StartLimit?, now: Date) {
        guard let limit, limit.limits else {
            times = []
            return
        }
        let horizon = now - limit.seconds
        times = times.map { min($0, Self.whole(now)) }.filter { $0 >= horizon }.sorted().suffix(Self.kept).map { $0 }
    }

    /// A start later than now means the wall clock went back: how long ago it really was is unknown, so it
    /// is taken as now — counted (never restart into the limit), and gone after one interval (a clock set
    /// back by a day must not hold restarts off for a day).
    mutating func add(_ time: Date, now: Date) {
        times.append(Self.whole(min(time, now)))
        times.sort()
        if times.count > Self.kept { times.removeFirst(times.count - Self.kept) }
    }

    /// A time in whole seconds, rounded up: what the state file keeps of it.
    static func whole(_ time: Date) -> Date {
        Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.up))
    }

    /// A timestamp in µs since the epoch, as systemd gives it.
    public static func microseconds(_ time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 * 1e6).rounded())
    }
}
