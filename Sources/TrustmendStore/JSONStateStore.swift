import FoundationEssentials
import Glibc
import TrustmendCore

/// The daemon's state (journal cursor, file positions, pending repairs, owed restarts) as one JSON
/// file, replaced atomically.
public struct JSONStateStore: StateStore {
    public let path: String

    public init(path: String) { self.path = path }

    public func load() throws -> DaemonState {
        let bytes: [UInt8]
        switch Syscalls.readAll(path, limit: 16 << 20) {
        case .success(let b): bytes = b
        case .failure(let e) where e == .noSuchFileOrDirectory: return DaemonState()
        case .failure(let e): throw TrustStoreError(.read, path: path, errno: e)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(DaemonState.self, from: Data(bytes))
        } catch {
            throw TrustStoreError(.ledgerCorrupt, path: path, detail: "\(error)")
        }
    }

    public func save(_ state: DaemonState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data
        do { data = try encoder.encode(state) } catch { throw TrustStoreError(.write, path: path, detail: "\(error)") }
        try AtomicFile.makeDirectories(AtomicFile.parent(of: path), mode: 0o755)
        try AtomicFile.write(Array(data) + [10], to: path, mode: 0o600)
    }
}
