/// What the daemon says in one log line, one case per event (with what kind of it), composed into the
/// journal's MESSAGE from the line's own fields (`EventFacts`).
///
/// `journalctl -u trustmend` shows MESSAGE only, so each sentence stands alone: the endpoint
/// (`host:port`) and, as fits the event, the engine unit, the file written, the anchor's subject and
/// fingerprint prefix, the reason and the command to run next, so that `journalctl -u trustmend | grep
/// HOST` finds what happened to a host. The fields stay the structured form (filters, alerts, `-o
/// verbose`); the sentence is made from them, so the two cannot disagree. Host names, image references,
/// subjects and reasons come from outside: the finished sentence is escaped as the CLI escapes what it
/// prints (`TerminalText`), the fields keep the text as it came.
public enum EventSentence: Sendable, Hashable {
    case started(Started)
    case configReloaded(trustAny: Bool)
    case configRejected
    case detected
    case refused(Refusal)
    case reported(Report)
    case anchorChanged(reportMode: Bool)
    case installed
    case verified
    case rolledBack(afterCrash: Bool)
    case restartRequested
    case restartCompleted
    case restartFailed
    case restartDeferred(postponed: Bool)
    case sourceProblem(Problem)
    case dropped(Drop)
    case traced(Trace)
    /// A line that is no event of its own (no MESSAGE_ID): something that needs nothing, or is well again.
    case note(Note)

    public enum Started: Sendable, Hashable, CaseIterable {
        case running
        /// `trust_any: true`, said beside the start.
        case trustAny
    }

    /// Why a repair was not made.
    public enum Refusal: Sendable, Hashable, CaseIterable {
        /// `route: registry` and the registry route cannot serve this repair.
        case registryRoute
        /// The chain could not be fetched.
        case fetch
        /// The chain was fetched, and trustmend refuses to trust it (pin, leaf only, no issuing CA …).
        case chain
        /// The repair failed on the node (ledger, write, update tool, verification).
        case failed
        /// The bundle trusts the chain and the engine started after it changed: no restart.
        case notStale
        /// The hourly cap of installs, at install time.
        case hourlyCap
        /// A skip inside the policy that is reported (no anchor can repair it …).
        case skipped
        /// Report mode: the repair would be refused.
        case wouldRefuse
    }

    public enum Report: Sendable, Hashable, CaseIterable {
        /// A host no allow rule names.
        case notAllowed
        /// Report mode: what the repair would install.
        case wouldInstall
        /// A failure that named no host, and no image could be traced for it (none tied, or its registry
        /// is not allowed): the command that finds the host.
        case hostless
    }

    /// What the trace of an image tied to a host-less failure found (issue 19, item 2).
    public enum Trace: Sendable, Hashable, CaseIterable {
        /// A host whose chain the engine refuses: decided next as a failure of that host.
        case failing
        /// Every host met verifies: nothing to repair.
        case allVerify
        /// The registry wants credentials the trace does not have; the hosts met verify.
        case needsCredentials
        /// Something ended the walk early; the hosts met verify.
        case stopped
    }

    public enum Problem: Sendable, Hashable, CaseIterable {
        /// A log source failed and is opened again.
        case source
        /// A log file refused (owner, mode).
        case file
        case stateDirectory
        case stateNotSaved
        /// The installs a crash left unfinished cannot be rolled back.
        case recovery
        /// `trustmend.prom` cannot be written (or taken away) for node_exporter.
        case metrics
    }

    public enum Drop: Sendable, Hashable, CaseIterable {
        /// A source's fetch budget turned detections away.
        case detections
        /// One batch had more reports than it prints.
        case reports
    }

    public enum Note: Sendable, Hashable, CaseIterable {
        case stopped
        case stateSaved
        /// Already trusted, and the engine restarted after the failure was logged.
        case alreadyTrustedRestarted
        /// Already trusted by the bundle; the engine has not reloaded it.
        case alreadyTrustedNeedsRestart
        /// Already trusted on the registry route (bundle or certs.d), yet the engine failed.
        case alreadyTrustedCheckCertsD
        /// An owed restart dropped: the engine started after the bundle changed.
        case restartNotOwed
        /// `trustmend.prom` is written again after a failure.
        case metricsWritten
    }

    /// The event the line is logged as (its MESSAGE_ID), nil for a note.
    public var event: Event? {
        switch self {
        case .started: .started
        case .configReloaded: .configReloaded
        case .configRejected: .configRejected
        case .detected: .detected
        case .refused: .refused
        case .reported: .reported
        case .anchorChanged: .anchorChanged
        case .installed: .installed
        case .verified: .verified
        case .rolledBack: .rolledBack
        case .restartRequested: .restartRequested
        case .restartCompleted: .restartCompleted
        case .restartFailed: .restartFailed
        case .restartDeferred: .restartDeferred
        case .sourceProblem: .sourceProblem
        case .dropped: .dropped
        case .traced: .traced
        case .note: nil
        }
    }

    /// Every sentence there is (the tests compose each).
    public static var allCases: [EventSentence] {
        Started.allCases.map(started) + [.configReloaded(trustAny: false), .configReloaded(trustAny: true), .configRejected, .detected]
            + Refusal.allCases.map(refused) + Report.allCases.map(reported)
            + [.anchorChanged(reportMode: false), .anchorChanged(reportMode: true), .installed, .verified]
            + [.rolledBack(afterCrash: false), .rolledBack(afterCrash: true), .restartRequested, .restartCompleted, .restartFailed]
            + [.restartDeferred(postponed: false), .restartDeferred(postponed: true)]
            + Problem.allCases.map(sourceProblem) + Drop.allCases.map(dropped) + Trace.allCases.map(traced) + Note.allCases.map(note)
    }

    /// The MESSAGE: the sentence for these facts, escaped for a terminal.
    public func text(_ facts: EventFacts) -> String {
        TerminalText.escaped(compose(facts))
    }

    func compose(_ f: EventFacts) -> String {
        switch self {
        case .started(let kind): Self.started(kind, f)
        case .configReloaded(let trustAny): Self.configReloaded(trustAny: trustAny, f)
        case .configRejected: Self.configRejected(f)
        case .detected: Self.detected(f)
        case .refused(let kind): Self.refused(kind, f)
        case .reported(let kind): Self.reported(kind, f)
        case .anchorChanged(let reportMode): Self.anchorChanged(reportMode: reportMode, f)
        case .installed: Self.installed(f)
        case .verified: Self.verified(f)
        case .rolledBack(let afterCrash): Self.rolledBack(afterCrash: afterCrash, f)
        case .restartRequested: Self.restartRequested(f)
        case .restartCompleted: Self.restartCompleted(f)
        case .restartFailed: Self.restartFailed(f)
        case .restartDeferred(let postponed): Self.restartDeferred(postponed: postponed, f)
        case .sourceProblem(let kind): Self.sourceProblem(kind, f)
        case .dropped(let kind): Self.dropped(kind, f)
        case .traced(let kind): Self.traced(kind, f)
        case .note(let kind): Self.note(kind, f)
        }
    }

    /// ": because", or nothing when the fact is missing.
    static func colon(_ value: String?) -> String {
        value.map { ": \($0)" } ?? ""
    }

    /// "the system route", "the registry route (/etc/containerd/certs.d/…)".
    static func route(_ value: String?) -> String? {
        guard let value else { return nil }
        guard let open = value.firstRange(of: " (") else { return "the \(value) route" }
        return "the \(value[..<open.lowerBound]) route\(value[open.lowerBound...])"
    }
}
