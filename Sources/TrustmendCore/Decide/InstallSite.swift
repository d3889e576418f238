/// What the repair's planning needs to know of the store it writes to, read before anything is decided.
public struct InstallSite: Sendable {
    /// Recorded in the ledger.
    public var route: RouteKind
    /// The registry route's `certs.d` directory name; nil on the system route.
    public var registry: String?
    public var acceptsNonCAAnchors: Bool
    public var updateCommand: String
    public var bundlePath: String
    /// Why the store refuses any write (`AnchorStore.preflight()`), or nil.
    public var refusal: (any Error)?
    /// Files of earlier installs that are on disk.
    public var present: Set<String>
    public var plannedFiles: @Sendable ([ChainCertificate]) -> [String]
    public var plannedDirectories: @Sendable ([ChainCertificate]) -> [String]

    public init(
        route: RouteKind, registry: String? = nil, acceptsNonCAAnchors: Bool = true, updateCommand: String = "", bundlePath: String = "",
        refusal: (any Error)? = nil, present: Set<String> = [],
        plannedFiles: @escaping @Sendable ([ChainCertificate]) -> [String],
        plannedDirectories: @escaping @Sendable ([ChainCertificate]) -> [String] = { _ in [] }
    ) {
        self.route = route
        self.registry = registry
        self.acceptsNonCAAnchors = acceptsNonCAAnchors
        self.updateCommand = updateCommand
        self.bundlePath = bundlePath
        self.refusal = refusal
        self.present = present
        self.plannedFiles = plannedFiles
        self.plannedDirectories = plannedDirectories
    }
}
