/// An approval as persisted.
public struct PendingRepair: Codable, Sendable, Hashable {
    public var host: String
    public var port: UInt16
    /// The journal unit that logged the failure; for a log file, the `Engine` the detector named.
    public var engine: String
    public var reason: String
    /// What the registry route needs to name the registry again after a crash.
    public var reference: String?
    public var path: String?

    public init(host: String, port: UInt16, engine: String, reason: String, reference: String? = nil, path: String? = nil) {
        self.host = host
        self.port = port
        self.engine = engine
        self.reason = reason
        self.reference = reference
        self.path = path
    }
}
