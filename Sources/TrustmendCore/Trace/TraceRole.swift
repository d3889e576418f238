/// What a server met while resolving an image is to that image: the engines ask each for something
/// different, and each may present a chain of its own (FACTS §23).
public enum TraceRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The registry the reference names (`/v2/`, manifests, the first blob request).
    case registry
    /// The token server a 401's `WWW-Authenticate: Bearer realm=…` names.
    case token
    /// A host a redirect led to (a blob download sent to a CDN, or a registry that moved).
    case redirect
}
