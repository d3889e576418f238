import Glibc
import FoundationEssentials
import TrustmendCore

/// The ledger as one JSON file, `/var/lib/trustmend/ledger.json` under the root, replaced atomically.
public struct JSONLedgerStore: LedgerStore {
    public static let nodePath = "/var/lib/trustmend/ledger.json"
    public let path: String

    public init(root: String = "/") {
        path = (root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)) + Self.nodePath
    }

    public init(path: String) { self.path = path }

    public func load() throws -> Ledger {
        let bytes: [UInt8]
        switch Syscalls.readAll(path, limit: 64 << 20) {
        case .success(let b): bytes = b
        case .failure(let e) where e == .noSuchFileOrDirectory: return Ledger()
        case .failure(let e): throw TrustStoreError(.read, path: path, errno: e)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Ledger.self, from: Data(bytes))
        } catch {
            throw TrustStoreError(.ledgerCorrupt, path: path, detail: "\(error)")
        }
    }

    public func save(_ ledger: Ledger) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data
        do { data = try encoder.encode(ledger) } catch { throw TrustStoreError(.write, path: path, detail: "\(error)") }
        try AtomicFile.makeDirectories(AtomicFile.parent(of: path), mode: 0o755)
        try AtomicFile.write(Array(data) + [10], to: path, mode: 0o644)
        // For the package's purge script, which has no JSON parser: the certs.d directories trustmend
        // created, one per line, so that it removes them (when empty) and no other.
        var seen = Set<String>()
        let directories = ledger.entries.flatMap { $0.directories ?? [] }.filter { seen.insert($0).inserted }
        try AtomicFile.write(Array(directories.map { $0 + "\n" }.joined().utf8), to: createdDirectoriesPath, mode: 0o644)
    }

    /// `created-directories` beside the ledger.
    public var createdDirectoriesPath: String { AtomicFile.parent(of: path) + "/created-directories" }
}
