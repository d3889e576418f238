/// Which certificates of a chain become trust anchors.
public enum AnchorChoice: String, Sendable, Hashable, Codable, CaseIterable {
    /// The topmost CA certificate the server sent on the leaf's issuance path: its self-signed root when
    /// present. A lone self-signed server certificate counts as its own root.
    case topCA = "top-ca"
    /// Every CA certificate on the leaf's issuance path, plus a self-signed server certificate. Never an
    /// ordinary leaf, never a CA that did not issue the chain.
    case fullChain = "full-chain"
}
