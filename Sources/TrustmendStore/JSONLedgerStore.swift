import TrustmendCore

/// The ledger as one JSON file, `/var/lib/trustmend/ledger.json` under the root, replaced atomically.
public struct JSONLedgerStore: LedgerStore {
    public static let nodePath = "/var/lib/trustmend/ledger.json"
    public let path: String

    public init(root: String = "/") {
        path = NodeRoot(root).resolvedParent(Self.nodePath)
    }

    public init(path: String) { self.path = path }

    var file: JSONFile<Ledger> { JSONFile(path: path, limit: 64 << 20, mode: 0o644, prettyPrinted: true) }

    public func load() throws -> Ledger { try file.load(empty: Ledger()) }

    public func save(_ ledger: Ledger) throws {
        try file.save(ledger)
        // For the package's purge script, which has no JSON parser: the certs.d directories trustmend
        // created, one per line, so that it removes them (when empty) and no other.
        var seen = Set<String>()
        let directories = ledger.entries.flatMap { $0.directories ?? [] }.filter { seen.insert($0).inserted }
        try AtomicFile.write(Array(directories.map { $0 + "\n" }.joined().utf8), to: createdDirectoriesPath, mode: 0o644)
    }

    /// `created-directories` beside the ledger.
    public var createdDirectoriesPath: String { AtomicFile.parent(of: path) + "/created-directories" }
}
