import TrustmendCore

/// The daemon's state (journal cursor, file positions, pending repairs, owed restarts) as one JSON
/// file, replaced atomically.
public struct JSONStateStore: StateStore {
    public let path: String

    public init(path: String) { self.path = path }

    var file: JSONFile<DaemonState> { JSONFile(path: path, limit: 16 << 20, mode: 0o600, prettyPrinted: false) }

    public func load() throws -> DaemonState { try file.load(empty: DaemonState()) }

    public func save(_ state: DaemonState) throws { try file.save(state) }
}
