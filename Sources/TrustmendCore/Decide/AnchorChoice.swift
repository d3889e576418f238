/// Which certificates of a chain become trust anchors.
public enum AnchorChoice: String, Sendable, Hashable, Codable, CaseIterable {
    /// The topmost CA certificate the server sent: its self-signed root when present. A lone self-signed
    /// server certificate counts as its own root.
    case topCA = "top-ca"
    /// Every CA certificate the server sent, plus a self-signed server certificate. Never an ordinary leaf.
    case fullChain = "full-chain"
}
