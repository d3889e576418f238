/// Which of the two routes an anchor goes by, as the stores and the ledger record it: `TrustRoute`
/// resolved (never `auto`). Its raw value is what the JSON ledger has always held.
public enum RouteKind: String, Sendable, Hashable, CaseIterable, Codable, Comparable, CustomStringConvertible {
    /// The distro's anchor directory and update tool.
    case system
    /// An engine's `certs.d/<registry>/`.
    case registry

    public var description: String { rawValue }

    /// By name, the order the ledger's routes were always handled in.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
