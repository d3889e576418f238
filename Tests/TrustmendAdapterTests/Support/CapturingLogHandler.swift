import Testing
import Logging
import Synchronization

/// Keeps every log event in memory so tests can assert what the daemon said, by event and field.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        let events = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        func with(event: String) -> [Logger.Metadata] {
            events.withLock { $0.filter { $0.metadata["event"]?.description == event }.map(\.metadata) }
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.events.withLock { $0.append((event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })) }
    }
}

/// Waits (in real time, bounded) until `condition` holds; for work that completes asynchronously. The
/// bound only turns a hang into a failure: it is generous because the suites run in parallel on a
/// two-thread pool, and tests that start processes and wait for them can starve each other for a while.
func eventually(_ what: String, within limit: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for: \(what)")
}
