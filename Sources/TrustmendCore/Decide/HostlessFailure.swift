/// A pull failure with an unknown-authority certificate whose line names no host: dockerd 20.10's
/// `error pulling image configuration: download failed after attempts=6: x509: …` (FACTS §23), or the
/// kubelet's report of the same pull. What fails is a redirect target or a token server, found only by
/// tracing the image; the line names the image, or a line of the same pull does.
public struct HostlessFailure: Sendable, Hashable {
    /// The journal unit that logged it (`docker.service`, `kubelet.service`); nil for a log file's line.
    public var unit: String?
    public var engine: Engine
    /// The image the line itself names, when it names one.
    public var image: String?
    /// The record, for the policy's guards (its source, its budget) once it is tied.
    public var record: LogRecord
    /// When it was seen (the daemon's monotonic time).
    public var at: Duration

    public init(unit: String?, engine: Engine, image: String?, record: LogRecord, at: Duration) {
        self.unit = unit
        self.engine = engine
        self.image = image
        self.record = record
        self.at = at
    }

    /// A host-less detection as a failure to tie; nil when the line names a host (it is decided as any
    /// other) or no anchor could repair it. The image is the kubelet's structured `image="…"` field
    /// (klog's `"Failed to pull image" err="…" image="…"`, kuberuntime_image.go), read outside quoted
    /// values so the error text inside `err="…"` is never taken for it; else the one the scanner read
    /// from the line's phrases (`Failed to pull image "…"`, older kubelets).
    public init?(_ detection: Detection, unit: String?, record: LogRecord, at: Duration) {
        guard detection.endpoint == nil, detection.fixable else { return nil }
        var message = record.message
        let field = message.withUTF8 { EndpointFallback.hostField($0, key: Self.imageKey) }
        self.init(unit: unit, engine: detection.engine, image: field ?? detection.reference, record: record, at: at)
    }

    static let imageKey = Array("image=".utf8)

    /// What the report rate-limits on: the unit (or the file) that logged it.
    public var source: String {
        if let unit { return unit }
        if case .file(let path) = record.origin { return path }
        return engine.rawValue
    }
}
