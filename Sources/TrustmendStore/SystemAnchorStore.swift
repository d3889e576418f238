import FoundationEssentials
import Glibc
import TrustmendCore

/// The system route: the distro's anchor directory, its update tool, and the bundle Go reads.
///
/// Every path is a node path, mapped under `root` so that `--root /tmp/x` works on a sandbox. Under a
/// sandbox root the Debian family's `update-ca-certificates` is pointed at the sandbox with its directory
/// flags; other families' tools cannot be, so they need `toolOverride`.
public struct SystemAnchorStore: AnchorStore {
    public let nodeRoot: NodeRoot
    /// The root as given, normalised (`TRUSTMEND_ROOT` of an update tool override).
    public var root: String { nodeRoot.path.string }
    public let profile: DistroProfile
    public let toolOverride: String?
    public let toolTimeout: Duration
    public let bundlePath: String
    public var route: RouteKind { .system }
    public var acceptsNonCAAnchors: Bool { profile.acceptsNonCAAnchors }

    public init(
        root: String = "/", profile: DistroProfile, toolOverride: String? = nil, toolTimeout: Duration = .seconds(120),
        bundlePath: String? = nil
    ) {
        self.init(root: NodeRoot(root), profile: profile, toolOverride: toolOverride, toolTimeout: toolTimeout, bundlePath: bundlePath)
    }

    public init(
        root: NodeRoot, profile: DistroProfile, toolOverride: String? = nil, toolTimeout: Duration = .seconds(120),
        bundlePath: String? = nil
    ) {
        self.nodeRoot = root
        self.profile = profile
        self.toolOverride = toolOverride
        self.toolTimeout = toolTimeout
        self.bundlePath = bundlePath ?? profile.bundle
    }

    /// The path of a node path on this machine's disk, its links resolved inside the root.
    public func onDisk(_ nodePath: String) -> String { nodeRoot.resolved(nodePath) }

    /// The same for trustmend's own files, whose last component is never followed.
    func ownFile(_ nodePath: String) -> String { nodeRoot.resolvedParent(nodePath) }

    public var updateCommand: String { (try? updateTool().commandLine) ?? profile.updateCommandLine }

    /// The name a certificate gets in the anchor directory: fixed prefix, all 64 hex digits of its SHA-256,
    /// so that two certificates never share a name (16 digits, as written before, left 64 bits between
    /// one entry's file and another certificate). Nothing from a log or a server reaches a path. Files of
    /// the 16-digit form that ledgers name are still read and removed (`LedgerPath`).
    public func fileName(for anchor: ChainCertificate) -> String {
        "trustmend-\(anchor.sha256)\(profile.anchorSuffix)"
    }

    public func plannedFiles(for anchors: [ChainCertificate]) -> [String] {
        anchors.map { profile.anchorDirectory + "/" + fileName(for: $0) }
    }

    public func write(_ anchors: [ChainCertificate]) throws -> [String] {
        let files = anchors.flatMap { anchor in plannedFiles(for: [anchor]).map { ($0, Array(anchor.pem.utf8)) } }
        return try AtomicFile.writeAnchors(files, onDisk: ownFile)
    }

    /// `LedgerPath`: exactly `<anchor directory>/trustmend-<hex><suffix>`; throws for the first other path.
    func checkLedgerPaths(_ files: [String]) throws(TrustStoreError) {
        for file in files where !LedgerPath.isSystemAnchor(file, anchorDirectory: profile.anchorDirectory, suffix: profile.anchorSuffix) {
            throw LedgerPath.refusal(file, route: "system")
        }
    }

    public func read(_ files: [String]) throws -> [SavedAnchorFile] {
        try checkLedgerPaths(files)
        return try AtomicFile.readExisting(files, onDisk: ownFile)
    }

    public func restore(_ files: [SavedAnchorFile]) throws {
        try checkLedgerPaths(files.map(\.path))
        for file in files { try AtomicFile.restore(file, to: ownFile(file.path)) }
    }

    /// Deletes the files a ledger names: every path is checked before any is deleted.
    public func delete(_ files: [String]) throws {
        try checkLedgerPaths(files)
        for file in files { try AtomicFile.remove(ownFile(file)) }
    }

    public func exists(_ file: String) -> Bool { Syscalls.isRegularFile(onDisk(file)) }

    public func refresh() async throws -> String {
        try await updateTool().run()
    }

    public func bundlePEM() throws -> String {
        switch Syscalls.readAll(onDisk(bundlePath), limit: 64 << 20) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(let e): throw TrustStoreError(.bundleMissing, path: onDisk(bundlePath), errno: e)
        }
    }

    /// The later of the bundle's modification and status-change times, of the file and (when it is a
    /// link, as on the RHEL family) of the link. The bundle, not the ledger: "already trusted" is decided
    /// against it, and it changes whoever rebuilt it (the operator's update tool, a ca-certificates
    /// upgrade, `remove`), not only by trustmend's installs. The change time, because `cp -p`, `touch -d`
    /// or a restore can set the modification time back; nothing but a change sets the change time. File
    /// times come from the kernel's coarse clock (a jiffy, ≤ 10 ms, behind): an engine started within that
    /// much before the write has not made its first TLS handshake yet, when Go loads its roots (FACTS §1).
    public func trustChangedAt() -> Date? {
        let times = [Syscalls.status(onDisk(bundlePath)), Syscalls.lstatus(ownFile(bundlePath))].compactMap { $0 }.flatMap { [$0.st_mtim, $0.st_ctim] }
        guard let latest = times.max(by: { ($0.tv_sec, $0.tv_nsec) < ($1.tv_sec, $1.tv_nsec) }) else { return nil }
        return Date(timeIntervalSince1970: Double(latest.tv_sec) + Double(latest.tv_nsec) / 1e9)
    }

    /// The anchor files in the directory that trustmend wrote (by name), whether or not the ledger knows them.
    public func trustmendFiles() -> [String] {
        guard case .success(let names) = Syscalls.listDirectory(onDisk(profile.anchorDirectory)) else { return [] }
        return names.filter { $0.hasPrefix("trustmend-") && $0.hasSuffix(profile.anchorSuffix) }
            .map { profile.anchorDirectory + "/" + $0 }
    }

    /// The argument vector that rebuilds the bundle.
    public func updateTool() throws(TrustStoreError) -> UpdateTool {
        let environment = ["TRUSTMEND_ROOT": root]
        if let toolOverride {
            return UpdateTool(executable: toolOverride, arguments: profile.updateArguments, environment: environment, timeout: toolTimeout)
        }
        if nodeRoot.isMountedHost {
            // The node's own tool, run in the node's root: only a host root's programs are ever run.
            guard let tool = profile.updateTool.first(where: { Syscalls.isExecutable(onDisk($0)) }) else {
                throw TrustStoreError(
                    .toolMissing, path: onDisk(profile.updateTool[0]),
                    detail: "install the node's ca-certificates package")
            }
            return UpdateTool(executable: tool, arguments: profile.updateArguments, timeout: toolTimeout, chroot: root)
        }
        guard let tool = profile.updateTool.first(where: Syscalls.isExecutable) else {
            throw TrustStoreError(
                .toolMissing, path: profile.updateTool[0],
                detail: "install the distro's ca-certificates package, or pass --update-tool PATH")
        }
        if nodeRoot.isSystemRoot {
            return UpdateTool(executable: tool, arguments: profile.updateArguments, timeout: toolTimeout)
        }
        guard profile.family == .debian else {
            throw TrustStoreError(
                .sandboxUnsupported, path: tool,
                detail: "pass --update-tool PATH with a tool that rebuilds the bundle under $TRUSTMEND_ROOT")
        }
        // Debian's update-ca-certificates takes every directory it uses as a flag.
        let arguments = [
            "--certsconf", onDisk("/etc/ca-certificates.conf"),
            "--certsdir", onDisk("/usr/share/ca-certificates"),
            "--localcertsdir", onDisk(profile.anchorDirectory),
            "--etccertsdir", onDisk("/etc/ssl/certs"),
            // Nothing under a sandbox root is ever run (it may be anyone's): `[ -d /dev/null ]` is false, so no hooks.
            "--hooksdir", "/dev/null",
        ]
        return UpdateTool(executable: tool, arguments: arguments, environment: environment, timeout: toolTimeout)
    }
}
