/// Ties pull failures that name no host to the image they were for, so that the daemon can trace it
/// (issue 19, item 2). dockerd 20.10 logs a failed redirect with neither host nor image; the kubelet logs
/// the same pull with the image (`Failed to pull image "…"`, or klog's `image="…"`), before or after
/// it. A failure is tied to the image its own line names, else to every image a line of a trusted
/// source named within `window` of it, in either order; one that no image joins within the window is
/// untied, and reported as such.
///
/// Only failures are observed, and only from records the policy's source guard passed (an engine
/// unit's own stderr, a log file): an image named in a container's output never ties anything.
///
/// Bounded: at most one waiting failure per source (the latest: one report says it for all) and
/// `capacity` sources; at most `capacity` images remembered, the oldest dropped first; a waiting failure
/// dropped for room is untied at once. Time is the caller's monotonic `Duration`.
public struct HostlessPulls: Sendable {
    public static let defaultWindow: Duration = .seconds(30)
    public let window: Duration
    public let capacity: Int

    /// Failures that named no image, by source, waiting for one.
    private var waiting: [String: HostlessFailure] = [:]
    /// Images lately named, with when they were last named.
    private var images: [String: Duration] = [:]
    /// Waiting failures dropped for room: untied, returned by the next `expire`.
    private var evicted: [HostlessFailure] = []
    /// Reports made and traces run, until when they are not made again.
    private var quiet: ExpiryTable<String>

    public init(window: Duration = defaultWindow, capacity: Int = 64) {
        self.window = window
        self.capacity = max(1, capacity)
        quiet = ExpiryTable(capacity: 4 * max(1, capacity))
    }

    /// Takes one failure; returns the ties it completes: its own image with the failures waiting for
    /// one, or (naming none) each image named within the window before it. Empty when it waits.
    public mutating func observe(_ failure: HostlessFailure) -> [HostlessTie] {
        let now = failure.at
        images = images.filter { $0.value >= now - window }
        if let image = failure.image {
            remember(image, at: now)
            let joining = waiting.values.filter { $0.at >= now - window }
            for other in joining { waiting[other.source] = nil }
            return [HostlessTie(image: image, failures: (joining + [failure]).sorted { $0.at < $1.at })]
        }
        let recent = images.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map(\.key)
        guard recent.isEmpty else { return recent.map { HostlessTie(image: $0, failures: [failure]) } }
        if waiting[failure.source] == nil, waiting.count >= capacity, let oldest = waiting.values.min(by: { $0.at < $1.at }) {
            waiting[oldest.source] = nil
            if evicted.count < capacity { evicted.append(oldest) }
        }
        waiting[failure.source] = failure
        return []
    }

    /// The failures no image joined within the window by `now` (and those dropped for room): untied.
    public mutating func expire(now: Duration) -> [HostlessFailure] {
        let over = waiting.values.filter { $0.at < now - window }.sorted { $0.at < $1.at }
        for failure in over { waiting[failure.source] = nil }
        let untied = evicted + over
        evicted = []
        return untied
    }

    /// When the next waiting failure is untied, if one waits.
    public var nextExpiry: Duration? {
        waiting.values.map(\.at).min().map { $0 + window + .nanoseconds(1) }
    }

    /// Failures waiting for an image, and images remembered (tests, the bound).
    public var count: (waiting: Int, images: Int) { (waiting.count, images.count) }

    /// True when nothing was done under `key` for `period`, and then notes it done now: one report per
    /// source per back-off period, one trace per image and engine view per period.
    public mutating func due(_ key: String, now: Duration, every period: Duration) -> Bool {
        guard quiet.until(key, now: now) == nil else { return false }
        quiet.set(key, until: now + period, now: now)
        return true
    }

    /// Whether `key` is quiet at `now` (held, or done within its period).
    public func isQuiet(_ key: String, now: Duration) -> Bool { quiet.until(key, now: now) != nil }

    /// Keeps `key` quiet from now for `period` (a trace that found nothing to repair: not again for the
    /// back-off period).
    public mutating func hold(_ key: String, now: Duration, for period: Duration) {
        quiet.set(key, until: now + period, now: now)
    }

    private mutating func remember(_ image: String, at now: Duration) {
        if images[image] == nil, images.count >= capacity, let oldest = images.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            images[oldest.key] = nil
        }
        images[image] = now
    }
}
