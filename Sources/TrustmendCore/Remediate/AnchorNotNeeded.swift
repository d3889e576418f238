/// After an install the chain verifies, but it verifies just as well without the anchors the batch wrote:
/// they were not what made it trusted, so the install is taken back (issue 16, item 7).
public struct AnchorNotNeeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// The anchors written, by SHA-256.
    public var sha256: [String]

    public init(sha256: [String]) { self.sha256 = sha256 }

    public var description: String {
        "the chain verifies without the anchor just installed (SHA-256 \(sha256.joined(separator: ", "))) as well: "
            + "something else the engines read already trusts it, so that anchor was not what made it trusted"
    }
}
