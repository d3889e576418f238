/// How a repair makes the engines trust an anchor.
public enum TrustRoute: String, Sendable, Hashable, CaseIterable, Codable {
    /// The registry route where the engine that failed reads it, else the system route.
    case auto
    /// The distro's anchor directory, its update tool and an engine restart (the CCE procedure).
    case system
    /// The engine's per-registry directory (`certs.d`): this registry only, read at the next pull, no
    /// restart. Refused where the engine would not read it.
    case registry
}
