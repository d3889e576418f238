/// Whether one host's chain verifies against one set of anchors, and OpenSSL's reason when it does not.
public struct TraceVerdict: Sendable, Hashable, Codable {
    public var verifies: Bool
    /// Why it does not verify (`unable to get local issuer certificate`); nil when it verifies.
    public var reason: String?

    public init(verifies: Bool, reason: String? = nil) {
        self.verifies = verifies
        self.reason = verifies ? nil : reason
    }

    public static let verified = TraceVerdict(verifies: true)
}
