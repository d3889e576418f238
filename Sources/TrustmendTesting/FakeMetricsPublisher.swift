import Synchronization
import TrustmendCore

/// Metrics files in memory: the directories that exist, the file each holds; `failure` makes every
/// write throw it, as a read-only directory does.
public final class FakeMetricsPublisher: MetricsPublisher {
    public struct NoSuchDirectory: Error, CustomStringConvertible {
        public var directory: String
        public var description: String { "cannot write \(directory)/\(Configuration.metricsFileName): No such file or directory" }
    }

    private let state: Mutex<(directories: Set<String>, files: [String: String], writes: Int, failure: (any Error)?)>

    public init(directories: Set<String> = [Configuration.debianTextfileDirectory]) {
        state = Mutex((directories, [:], 0, nil))
    }

    /// What `trustmend.prom` in the directory holds; nil when there is none.
    public func file(in directory: String) -> String? { state.withLock { $0.files[directory] } }
    public var writes: Int { state.withLock { $0.writes } }

    public func makeDirectory(_ directory: String) { _ = state.withLock { $0.directories.insert(directory) } }
    public func removeDirectory(_ directory: String) { _ = state.withLock { $0.directories.remove(directory) } }
    public func fail(with error: (any Error)?) { state.withLock { $0.failure = error } }

    public func directoryExists(_ directory: String) -> Bool { state.withLock { $0.directories.contains(directory) } }

    public func publish(_ text: String, in directory: String) throws {
        try state.withLock { s in
            if let failure = s.failure { throw failure }
            guard s.directories.contains(directory) else { throw NoSuchDirectory(directory: directory) }
            s.files[directory] = text
            s.writes += 1
        }
    }

    public func withdraw(from directory: String) throws {
        _ = state.withLock { $0.files.removeValue(forKey: directory) }
    }
}
