import FoundationEssentials
import Glibc
import TrustmendCore

/// One Codable value as a JSON file (ISO 8601 dates, sorted keys), replaced atomically: the ledger and
/// the daemon's state.
struct JSONFile<Value: Codable> {
    let path: String
    /// Larger files are refused (EFBIG): a corrupt or hostile file must not exhaust memory.
    let limit: Int
    let mode: mode_t
    let prettyPrinted: Bool

    /// The value; `empty` when the file does not exist. Throws `.read` with the errno (a symbolic link,
    /// a FIFO or a device is refused: trustmend writes these files itself, by rename), or `.ledgerCorrupt`
    /// when the file is not the JSON of a `Value`.
    func load(empty: @autoclosure () -> Value) throws -> Value {
        let bytes: [UInt8]
        switch Syscalls.readAll(path, limit: limit, flags: O_NOFOLLOW) {
        case .success(let b): bytes = b
        case .failure(let e) where e == .noSuchFileOrDirectory: return empty()
        case .failure(let e): throw TrustStoreError(.read, path: path, errno: e)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Value.self, from: Data(bytes))
        } catch {
            throw TrustStoreError(.ledgerCorrupt, path: path, detail: "\(error)")
        }
    }

    /// Writes the value with a trailing newline, making the file's directory (0755) when missing.
    func save(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data
        do { data = try encoder.encode(value) } catch { throw TrustStoreError(.write, path: path, detail: "\(error)") }
        try AtomicFile.makeDirectories(AtomicFile.parent(of: path), mode: 0o755)
        try AtomicFile.write(Array(data) + [10], to: path, mode: mode)
    }
}
