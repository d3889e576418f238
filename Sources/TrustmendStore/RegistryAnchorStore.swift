import Glibc
import TrustmendCore

/// The registry route: the anchor goes into each engine's `certs.d/<registry>/` directory, which
/// dockerd and containerd read at every pull of that registry (FACTS §10–11). Nothing else on the node
/// trusts it, no update tool runs, no engine restarts.
///
/// Files are `trustmend-<the SHA-256's 64 hex digits>.crt` (16 in files written before, still read and
/// removed), written atomically with mode 0644;
/// directories trustmend creates get 0755 and are recorded so that removal takes back only those,
/// and only when empty. containerd ignores loose `*.crt` files once a `hosts.toml` is present: a
/// `hosts.toml` is the operator's, so that registry is refused with the reason, never rewritten.
public struct RegistryAnchorStore: AnchorStore {
    public let nodeRoot: NodeRoot
    public var root: String { nodeRoot.path.string }
    /// The registry written for; nil for a store that only removes what the ledger names.
    public let registry: RegistryHost?
    public let engines: [RegistryEngine]
    /// The bundle Go reads; the engines add the `certs.d` anchors to it (FACTS §10).
    public let systemBundlePath: String

    public var route: RouteKind { .registry }
    public var acceptsNonCAAnchors: Bool { true }
    public var restartsEngines: Bool { false }
    public var updateCommand: String { "nothing to run: the engines read certs.d at their next pull" }
    public var bundlePath: String { ([systemBundlePath] + directories.map { $0 + "/*.crt" }).joined(separator: " + ") }

    public init(root: String = "/", registry: RegistryHost?, engines: [RegistryEngine], systemBundlePath: String) {
        self.init(root: NodeRoot(root), registry: registry, engines: engines, systemBundlePath: systemBundlePath)
    }

    public init(root: NodeRoot, registry: RegistryHost?, engines: [RegistryEngine], systemBundlePath: String) {
        self.nodeRoot = root
        self.registry = registry
        self.engines = engines.sorted()
        self.systemBundlePath = systemBundlePath
    }

    /// A store for removing registry-route files named in the ledger.
    public static func remover(root: String) -> RegistryAnchorStore { remover(root: NodeRoot(root)) }

    public static func remover(root: NodeRoot) -> RegistryAnchorStore {
        RegistryAnchorStore(root: root, registry: nil, engines: RegistryEngine.allCases, systemBundlePath: "")
    }

    /// The path of a node path on this machine's disk, its links resolved inside the root.
    public func onDisk(_ nodePath: String) -> String { nodeRoot.resolved(nodePath) }

    /// The same for trustmend's own files and directories, whose last component is never followed.
    func ownFile(_ nodePath: String) -> String { nodeRoot.resolvedParent(nodePath) }

    /// `certs.d/<registry>` of each engine.
    public var directories: [String] {
        guard let registry else { return [] }
        return engines.map { $0.directory(for: registry) }
    }

    public func fileName(for anchor: ChainCertificate) -> String { "trustmend-\(anchor.sha256).crt" }

    /// Per anchor, one file in each engine's directory.
    public func plannedFiles(for anchors: [ChainCertificate]) -> [String] {
        anchors.flatMap { anchor in directories.map { $0 + "/" + fileName(for: anchor) } }
    }

    public func plannedDirectories(for anchors: [ChainCertificate]) -> [String] {
        directories.filter { !Syscalls.isDirectory(onDisk($0)) }
    }

    public func preflight() throws {
        guard registry != nil else { throw TrustStoreError(.write, path: "certs.d", detail: "no registry named") }
        for engine in engines where engine == .containerd {
            for directory in directories where directory.hasPrefix(engine.certsDirectory + "/") {
                let hosts = directory + "/hosts.toml"
                guard Syscalls.lstatus(ownFile(hosts)) != nil else { continue }
                throw RegistryRouteError.hostsTomlPresent(hosts)
            }
        }
        for directory in directories {
            if let s = Syscalls.lstatus(ownFile(directory)), (s.st_mode & S_IFMT) != S_IFDIR {
                throw RegistryRouteError.notADirectory(directory)
            }
        }
    }

    public func write(_ anchors: [ChainCertificate]) throws -> [String] {
        try preflight()
        let created = plannedDirectories(for: anchors)
        let files = anchors.flatMap { anchor in plannedFiles(for: [anchor]).map { ($0, Array(anchor.pem.utf8)) } }
        do {
            return try AtomicFile.writeAnchors(files, onDisk: ownFile)
        } catch {
            pruneDirectories(created)
            throw error
        }
    }

    /// `LedgerPath`: `/etc/{docker,containerd}/certs.d/<registry>/trustmend-<hex>.crt`; throws for the
    /// first other path.
    func checkLedgerPaths(_ files: [String]) throws {
        for file in files where !Self.isOurs(file) { throw RegistryRouteError.notOurs(file) }
    }

    public func read(_ files: [String]) throws -> [SavedAnchorFile] {
        try checkLedgerPaths(files)
        return try AtomicFile.readExisting(files, onDisk: ownFile)
    }

    public func restore(_ files: [SavedAnchorFile]) throws {
        try checkLedgerPaths(files.map(\.path))
        for file in files { try AtomicFile.restore(file, to: ownFile(file.path)) }
    }

    /// Deletes files, refusing any that is not a trustmend file in a `certs.d` directory: the ledger
    /// names them, and a damaged ledger must not become a way to delete other files. Every path is
    /// checked before any is deleted.
    public func delete(_ files: [String]) throws {
        try checkLedgerPaths(files)
        for file in files {
            if case .failure(let e) = Syscalls.unlink(ownFile(file)), e != .noSuchFileOrDirectory {
                throw TrustStoreError(.delete, path: ownFile(file), errno: e)
            }
        }
    }

    public func pruneDirectories(_ directories: [String]) {
        for directory in directories where Self.isCertsDirectory(directory) {
            _ = Syscalls.rmdir(ownFile(directory))  // only empty directories go; ENOTEMPTY keeps it
        }
    }

    public func exists(_ file: String) -> Bool { Syscalls.isRegularFile(onDisk(file)) }

    public func refresh() async throws -> String { "" }

    /// What Go will trust for this registry: the system bundle plus every `*.crt` in the directories.
    public func bundlePEM() throws -> String { try systemPEM() + "\n" + scopedPEM() }

    /// Per engine, that engine's own `certs.d` directory: what it is sure to read for this registry at its
    /// next pull. The system bundle does not count here: a running engine holds the roots it loaded at
    /// its start, which may be older than the bundle (the old-node e2e: containerd's repair put the CA in
    /// the bundle, and dockerd, started before, kept failing while this store called the chain "already
    /// trusted"). What keeps an unrelated CA out is the anchor choice (only the leaf's issuance path,
    /// checked by signature) and the check after the write: the chain verifies with these files, and not
    /// without the new anchor.
    public func existingTrustPEMs() throws -> [String] {
        directories.map { scopedPEM([$0]) }
    }

    func systemPEM() throws -> String {
        switch Syscalls.readAll(onDisk(systemBundlePath), limit: 64 << 20) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(let e) where e == .noSuchFileOrDirectory: return ""
        case .failure(let e): throw TrustStoreError(.bundleMissing, path: onDisk(systemBundlePath), errno: e)
        }
    }

    func scopedPEM(_ directories: [String]? = nil) -> String {
        var text = ""
        for directory in directories ?? self.directories {
            guard case .success(let names) = Syscalls.listDirectory(onDisk(directory)) else { continue }
            for name in names.sorted() where name.hasSuffix(".crt") {
                if case .success(let bytes) = Syscalls.readAll(onDisk(directory + "/" + name), limit: 1 << 20) {
                    text += String(decoding: bytes, as: UTF8.self) + "\n"
                }
            }
        }
        return text
    }

    /// `/etc/{docker,containerd}/certs.d/<one name>/trustmend-<hex>.crt`, with no `.` or `..` (`LedgerPath`).
    static func isOurs(_ file: String) -> Bool { LedgerPath.isRegistryAnchor(file) }

    static func isCertsDirectory(_ directory: String) -> Bool { LedgerPath.isCertsDirectory(directory) }

    /// Every file in every registry directory under either `certs.d`, as node paths.
    func certsDFiles() -> [(engine: RegistryEngine, registry: String, path: String)] {
        var found: [(RegistryEngine, String, String)] = []
        for engine in RegistryEngine.allCases {
            guard case .success(let hosts) = Syscalls.listDirectory(onDisk(engine.certsDirectory)) else { continue }
            for host in hosts.sorted() {
                let directory = engine.certsDirectory + "/" + host
                guard case .success(let names) = Syscalls.listDirectory(onDisk(directory)) else { continue }
                found += names.sorted().map { (engine, host, directory + "/" + $0) }
            }
        }
        return found
    }

    /// Every trustmend file under either `certs.d`, whether or not the ledger knows it.
    public func trustmendFiles() -> [String] {
        certsDFiles().map(\.path).filter(Self.isOurs)
    }

    /// Files in either `certs.d` that break every pull from their registry while they are there
    /// (FACTS §11): a `*.crt` holding no PEM certificate, a containerd `hosts.toml` that is not TOML.
    public func brokenFiles() -> [(path: String, problem: String)] {
        certsDFiles().compactMap { engine, registry, path in
            let text = { () -> String in
                guard case .success(let bytes) = Syscalls.readAll(onDisk(path), limit: 1 << 20) else { return "" }
                return String(decoding: bytes, as: UTF8.self)
            }
            if path.hasSuffix(".crt"), PEM.certificates(in: text()).isEmpty {
                return (path, "it holds no PEM certificate: \(engine.rawValue) fails every pull from \(registry) while it is there")
            }
            if engine == .containerd, path.hasSuffix("/hosts.toml") {
                do { _ = try TOMLReader.parse(text()) } catch {
                    return (path, "it is not valid TOML (\(error)): containerd fails every pull from \(registry)")
                }
            }
            return nil
        }
    }
}
