/// The kinds of event the daemon logs, each with a fixed journal `MESSAGE_ID`, so that
/// `journalctl -u trustmend MESSAGE_ID=<id>` finds every one of a kind and the catalog explains it.
public enum Event: String, Sendable, CaseIterable {
    case started
    case configReloaded = "config-reloaded"
    case configRejected = "config-rejected"
    case detected
    case refused
    /// Report mode, or a host outside the allow list: what an operator could run.
    case reported
    /// A host:port repaired before offers a different anchor, unpinned: refused.
    case anchorChanged = "anchor-changed"
    case installed
    case verified
    case rolledBack = "rolled-back"
    case restartRequested = "restart-requested"
    case restartCompleted = "restart-completed"
    case restartFailed = "restart-failed"
    case restartDeferred = "restart-deferred"
    case sourceProblem = "source-problem"
    /// Host-less: a source's fetch budget turned detections away, or one batch had more reports than it prints.
    case dropped
    /// An image tied to a failure that named no host was traced: which host fails, or that none does.
    case traced

    /// 128-bit IDs as `journalctl` writes them (32 lower-case hex digits). Never change one: operators
    /// filter and alert on them.
    public var messageID: String {
        switch self {
        case .started: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a601"
        case .configReloaded: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a602"
        case .configRejected: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a603"
        case .detected: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a610"
        case .refused: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a611"
        case .reported: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a612"
        case .anchorChanged: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a613"
        case .installed: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a620"
        case .verified: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a621"
        case .rolledBack: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a622"
        case .restartRequested: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a630"
        case .restartCompleted: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a631"
        case .restartFailed: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a632"
        case .restartDeferred: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a633"
        case .sourceProblem: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a640"
        case .dropped: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a614"
        case .traced: "7d1f0b9e4c2a4f6e9a51c0d3e2b8a615"
        }
    }
}
