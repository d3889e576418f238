/// Keys remembered until a time, in at most `capacity` entries: a flood of distinct keys costs a
/// bounded table, never memory per key. When full, expired entries go first, then the tenth that
/// would expire soonest.
struct ExpiryTable<Key: Hashable & Sendable>: Sendable {
    let capacity: Int
    private var until: [Key: Duration] = [:]

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { until.count }

    /// When `key` is free again, if it is not yet at `now`.
    func until(_ key: Key, now: Duration) -> Duration? {
        guard let time = until[key], time > now else { return nil }
        return time
    }

    mutating func set(_ key: Key, until time: Duration, now: Duration) {
        if until[key] == nil, until.count >= capacity {
            until = until.filter { $0.value > now }
            if until.count >= capacity {
                // Still full of live entries: drop the tenth that frees up soonest, in one pass.
                let doomed = until.sorted { $0.value < $1.value }.prefix(max(1, capacity / 10))
                for (key, _) in doomed { until.removeValue(forKey: key) }
            }
        }
        until[key] = time
    }

    mutating func remove(_ key: Key) { until.removeValue(forKey: key) }
}
