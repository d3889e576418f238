import FoundationEssentials

/// A trust route: where anchors are written and how the engines come to read them.
///
/// The system store (anchor directory + update tool) and the per-registry stores implement the same
/// protocol, so the repair does not branch on the route. Paths are absolute paths on the node, never
/// under a sandbox root: the store maps them.
public protocol AnchorStore: Sendable {
    /// Recorded in the ledger.
    var route: RouteKind { get }
    /// The command that rebuilds the bundle, as shown to an operator.
    var updateCommand: String { get }
    /// The bundle file Go-based engines read after `refresh()`.
    var bundlePath: String { get }

    /// Where each anchor would be written, in the same order.
    func plannedFiles(for anchors: [ChainCertificate]) -> [String]
    /// Writes each anchor atomically and returns the paths written. A file that already holds the same
    /// certificate is left as it is and still returned.
    func write(_ anchors: [ChainCertificate]) throws -> [String]
    /// Reads files back (for a rollback of a removal); a missing file is skipped.
    func read(_ files: [String]) throws -> [SavedAnchorFile]
    /// Restores files read by `read(_:)`.
    func restore(_ files: [SavedAnchorFile]) throws
    /// Deletes files; a file already gone is not an error.
    func delete(_ files: [String]) throws
    /// Runs the update tool. Returns its output.
    func refresh() async throws -> String
    /// The text of the bundle Go reads.
    func bundlePEM() throws -> String
    /// Whether a file exists.
    func exists(_ file: String) -> Bool

    /// False where the bundle is built by p11-kit, which leaves non-CA certificates out (FACTS §7).
    var acceptsNonCAAnchors: Bool { get }
    /// True when the engines see a new anchor only after a restart (the system route).
    var restartsEngines: Bool { get }
    /// The registry a per-registry store writes for.
    var registry: RegistryHost? { get }
    /// Refuses, before anything is written, a write the engines would not read.
    func preflight() throws
    /// Directories `write` would create (recorded in the ledger, so removal takes back only those).
    func plannedDirectories(for anchors: [ChainCertificate]) -> [String]
    /// Removes these directories when they are empty.
    func pruneDirectories(_ directories: [String])
    /// What each reader trusts: the system route's bundle; on the registry route, per engine, the system
    /// bundle plus that engine's `certs.d` directory (each engine reads only its own). A chain that
    /// verifies against every one of them needs nothing, and an install is verified against the same
    /// texts, so "already trusted" and "verified" never disagree (issue 16, item 7).
    func existingTrustPEMs() throws -> [String]
    /// When the bundle Go reads last changed (a restart is owed only to an engine started before);
    /// nil when not known, or for a route whose engines read changes without a restart.
    func trustChangedAt() -> Date?
}

extension AnchorStore {
    public var restartsEngines: Bool { true }
    public var registry: RegistryHost? { nil }
    public func preflight() throws {}
    public func plannedDirectories(for anchors: [ChainCertificate]) -> [String] { [] }
    public func pruneDirectories(_ directories: [String]) {}
    public func existingTrustPEMs() throws -> [String] { [try bundlePEM()] }
    public func trustChangedAt() -> Date? { nil }
}
