/// How many approvals of each source may wait for their fetch at once, and be fetched per hour, in
/// either mode. Report mode (the package default) fetches every allowed host it reports, enforce mode
/// every one it repairs, and the hourly cap counts only installs: without this bound a flood of
/// distinct allowed hosts queued and fetched without end (issue 16, item 9: 60,000 hosts took 155 MB
/// against MemoryMax=256M). What the bound turns away is counted and announced per source, at most once
/// per period and with the count, never host by host; nothing is backed off for it, so a genuine
/// failure is taken at its next line once there is room.
public struct FetchBudget: Sendable {
    public static let defaultWaiting = 16
    public static let defaultPerHour = 120

    /// Approvals of one source waiting for their fetch (queued, or being repaired).
    public let waitingLimit: Int
    /// Approvals of one source let through in any hour.
    public let perHour: Int

    /// Detections a source had turned away since it was last announced.
    public struct Drops: Sendable, Hashable {
        public var source: FetchSource
        public var count: Int
    }

    struct Account: Sendable {
        var waiting = 0
        var fetches: [Duration] = []
        var dropped = 0
        var announced: Duration?
    }

    private var accounts: [FetchSource: Account] = [:]

    public init(waiting: Int = defaultWaiting, perHour: Int = defaultPerHour) {
        waitingLimit = max(1, waiting)
        self.perHour = max(1, perHour)
    }

    /// Takes a place and a fetch for one approval of `source`; else says why not, and counts the drop.
    mutating func admit(_ source: FetchSource, now: Duration) -> String? {
        var account = accounts[source, default: Account()]
        defer { accounts[source] = account }
        account.fetches.removeAll { $0 <= now - .seconds(3600) }
        let why: String
        if account.waiting >= waitingLimit {
            why = "\(waitingLimit) detections from \(source) are already waiting for their fetch"
        } else if account.fetches.count >= perHour {
            why = "\(perHour) fetches for detections from \(source) in the last hour"
        } else {
            account.waiting += 1
            account.fetches.append(now)
            return nil
        }
        account.dropped += 1
        return why
    }

    /// An approval of `source` ended: its place is free (its fetch still counts for the hour).
    mutating func release(_ source: FetchSource) {
        guard let waiting = accounts[source]?.waiting, waiting > 0 else { return }
        accounts[source]?.waiting = waiting - 1
    }

    /// The sources that turned detections away since they were last announced, each at most once per
    /// `every`; their counts start again.
    mutating func announcements(now: Duration, every: Duration) -> [Drops] {
        var due: [Drops] = []
        for (source, account) in accounts where account.dropped > 0 {
            if let last = account.announced, now - last < every { continue }
            due.append(Drops(source: source, count: account.dropped))
            accounts[source]?.dropped = 0
            accounts[source]?.announced = now
        }
        return due.sorted { $0.source.description < $1.source.description }
    }

    /// Approvals of `source` waiting now.
    public func waiting(_ source: FetchSource) -> Int { accounts[source]?.waiting ?? 0 }

    /// Detections of `source` turned away and not yet announced.
    public func dropped(_ source: FetchSource) -> Int { accounts[source]?.dropped ?? 0 }

    /// What the bound is, in a sentence.
    public var limits: String {
        "at most \(waitingLimit) detections of one source wait for their fetch, and at most \(perHour) are fetched per hour"
    }
}
