import FoundationEssentials
import Synchronization
import TrustmendCore

/// A trust route over a `FakeDisk`: the system route (anchor directory, a bundle rebuilt from the
/// distro's CAs and the anchors) or the registry route (each engine's `certs.d/<registry>`), with the
/// real stores' file names, so that ledgers and logs read the same. Faults make the update tool fail,
/// do nothing or take its time, and deletes fail.
public struct FakeAnchorStore: AnchorStore {
    public enum Site: Sendable {
        case system(DistroProfile)
        case registry(RegistryHost?, engines: [RegistryEngine], systemBundle: String)
    }

    /// What goes wrong, shared by every store made with the same `Faults`.
    public final class Faults: Sendable {
        let state = Mutex<(refresh: (any Error)?, refreshDoesNothing: Bool, refreshDelay: Duration, delete: (any Error)?, refreshes: Int)>(
            (nil, false, .zero, nil, 0))

        public init() {}

        public func failRefresh(_ error: (any Error)?) { state.withLock { $0.refresh = error } }
        public func refreshDoesNothing(_ on: Bool) { state.withLock { $0.refreshDoesNothing = on } }
        /// The update tool takes this long (real time: a test can stop the daemon meanwhile).
        public func slowRefresh(_ delay: Duration) { state.withLock { $0.refreshDelay = delay } }
        public func failDelete(_ error: (any Error)?) { state.withLock { $0.delete = error } }
        /// How many times the update tool ran.
        public var refreshes: Int { state.withLock { $0.refreshes } }
    }

    public let disk: FakeDisk
    public let site: Site
    public let faults: Faults
    /// The distro's own CAs, in the bundle before any anchor.
    public let systemCAs: String

    public init(disk: FakeDisk, site: Site, faults: Faults = Faults(), systemCAs: String = "") {
        self.disk = disk
        self.site = site
        self.faults = faults
        self.systemCAs = systemCAs
    }

    public var route: RouteKind {
        if case .system = site { return .system }
        return .registry
    }

    public var registry: RegistryHost? {
        if case .registry(let registry, _, _) = site { return registry }
        return nil
    }

    public var acceptsNonCAAnchors: Bool {
        if case .system(let profile) = site { return profile.acceptsNonCAAnchors }
        return true
    }

    public var restartsEngines: Bool { route == .system }

    /// The anchor directory (system) or each engine's `certs.d/<registry>` (registry).
    public var directories: [String] {
        switch site {
        case .system(let profile): [profile.anchorDirectory]
        case .registry(let registry?, let engines, _): engines.sorted().map { $0.directory(for: registry) }
        case .registry(nil, _, _): []
        }
    }

    var systemBundle: String {
        switch site {
        case .system(let profile): profile.bundle
        case .registry(_, _, let bundle): bundle
        }
    }

    public var bundlePath: String {
        guard case .registry = site else { return systemBundle }
        return ([systemBundle] + directories.map { $0 + "/*.crt" }).joined(separator: " + ")
    }

    public var updateCommand: String {
        switch site {
        case .system(let profile): profile.updateCommandLine
        case .registry: "nothing to run: the engines read certs.d at their next pull"
        }
    }

    func fileName(for anchor: ChainCertificate) -> String {
        if case .system(let profile) = site { return "trustmend-\(anchor.sha256)\(profile.anchorSuffix)" }
        return "trustmend-\(anchor.sha256).crt"
    }

    public func plannedFiles(for anchors: [ChainCertificate]) -> [String] {
        anchors.flatMap { anchor in directories.map { $0 + "/" + fileName(for: anchor) } }
    }

    public func plannedDirectories(for anchors: [ChainCertificate]) -> [String] {
        guard case .registry = site else { return [] }
        return directories.filter { !disk.isDirectory($0) }
    }

    public func preflight() throws {
        guard case .registry(let registry, let engines, _) = site else { return }
        guard let registry else { throw FakeDisk.Fault("no registry named") }
        if engines.contains(.containerd), disk.exists(RegistryEngine.containerd.directory(for: registry) + "/hosts.toml") {
            throw FakeDisk.Fault("\(RegistryEngine.containerd.directory(for: registry))/hosts.toml is the operator's")
        }
    }

    public func write(_ anchors: [ChainCertificate]) throws -> [String] {
        var written: [String] = []
        for anchor in anchors {
            for file in plannedFiles(for: [anchor]) {
                disk.write(file, anchor.pem)
                written.append(file)
            }
        }
        return written
    }

    public func read(_ files: [String]) throws -> [SavedAnchorFile] {
        files.compactMap { file in disk.read(file).map { SavedAnchorFile(path: file, contents: $0) } }
    }

    public func restore(_ files: [SavedAnchorFile]) throws {
        for file in files { disk.write(file.path, file.contents) }
    }

    public func delete(_ files: [String]) throws {
        if let error = faults.state.withLock({ $0.delete }) { throw error }
        for file in files { disk.remove(file) }
    }

    public func pruneDirectories(_ directories: [String]) {
        for directory in directories { disk.removeDirectoryIfEmpty(directory) }
    }

    public func exists(_ file: String) -> Bool { disk.exists(file) }

    /// The system route rebuilds the bundle from the distro's CAs and every anchor in the directory.
    public func refresh() async throws -> String {
        let (error, nothing, delay) = faults.state.withLock { s in
            s.refreshes += 1
            return (s.refresh, s.refreshDoesNothing, s.refreshDelay)
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        if let error { throw error }
        guard case .system(let profile) = site, !nothing else { return "" }
        let anchors = disk.list(profile.anchorDirectory).compactMap { disk.text(profile.anchorDirectory + "/" + $0) }
        disk.write(profile.bundle, systemCAs + anchors.joined())
        return "\(anchors.count) added"
    }

    public func bundlePEM() throws -> String {
        guard case .registry = site else {
            guard let text = disk.text(systemBundle) else { throw FakeDisk.Fault("\(systemBundle): No such file or directory") }
            return text
        }
        return (disk.text(systemBundle) ?? "") + "\n" + scoped(directories)
    }

    public func existingTrustPEMs() throws -> [String] {
        guard case .registry = site else { return [try bundlePEM()] }
        // As the real store: each engine's certs.d alone (a running engine's system roots may be older).
        return directories.map { scoped([$0]) }
    }

    /// The system route's bundle: when it was last written.
    public func trustChangedAt() -> Date? {
        guard case .system(let profile) = site else { return nil }
        return disk.changedAt(profile.bundle)
    }

    func scoped(_ directories: [String]) -> String {
        directories.flatMap { directory in
            disk.list(directory).filter { $0.hasSuffix(".crt") }.compactMap { disk.text(directory + "/" + $0).map { $0 + "\n" } }
        }.joined()
    }
}
