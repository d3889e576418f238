import Logging
import TrustmendCore

/// The daemon's log lines: one per decision, each event kind with its fixed `MESSAGE_ID`, the data in
/// metadata (the journal's `TRUSTMEND_*` fields), and a MESSAGE that says it all in one sentence
/// (`EventSentence`), composed from that same metadata.
struct EventLog: Sendable {
    var logger: Logger
    /// Counts the events as they are logged, for the metrics file (`Metrics.record`).
    var metrics: MetricsCounter?

    func callAsFunction(_ event: Event, _ message: Logger.Message, level: Logger.Level, _ metadata: Logger.Metadata) {
        metrics?.update { $0.record(event, unit: metadata["unit"].map { "\($0)" }) }
        var meta = metadata
        meta["message_id"] = .string(event.messageID)
        meta["event"] = .string(event.rawValue)
        logger.log(level: level, message, metadata: meta)
    }

    /// One line whose MESSAGE is `sentence` composed from `metadata`; a note (no event) has no MESSAGE_ID.
    func callAsFunction(_ sentence: EventSentence, level: Logger.Level, _ metadata: Logger.Metadata) {
        let message: Logger.Message = "\(sentence.text(EventFacts(metadata)))"
        if let event = sentence.event {
            self(event, message, level: level, metadata)
        } else {
            logger.log(level: level, message, metadata: metadata)
        }
    }

    static func fields(_ detection: Detection) -> Logger.Metadata {
        var meta: Logger.Metadata = [:]
        if let e = detection.endpoint {
            meta["host"] = .string(e.host)
            meta["port"] = .stringConvertible(e.port)
        }
        // How the line named it: the URL, a repaired URL, containerd's host field, the image reference.
        if let from = detection.endpointFrom { meta["endpoint_from"] = .string(from.rawValue) }
        if let reference = detection.reference { meta["image"] = .string(reference) }
        return meta
    }

    /// The anchors' fingerprints and the command an operator runs after checking them out of band.
    static func describe(_ anchors: [ChainCertificate], for endpoint: Endpoint, into meta: inout Logger.Metadata) {
        meta["sha256"] = .string(anchors.map(\.sha256).joined(separator: ","))
        meta["command"] = .string("trustmend fix \(endpoint.authority) " + anchors.map { "--expect-sha256 \($0.sha256)" }.joined(separator: " "))
    }

    /// A refusal because the endpoint's anchor changed: both fingerprints and the command to run once
    /// the new one is checked out of band.
    func anchorChanged(_ changed: AnchorChanged, reportMode: Bool, _ metadata: Logger.Metadata) {
        var meta = metadata
        meta["sha256"] = .string(changed.offered.map(\.sha256).joined(separator: ","))
        meta["installed_sha256"] = .string(changed.installed.map(\.sha256).joined(separator: ","))
        meta["subject"] = .string(changed.offered.first?.subject ?? "")
        meta["command"] = .string(changed.command)
        meta["why"] = .string(changed.description)
        self(.anchorChanged(reportMode: reportMode), level: .warning, meta)
    }

    /// The lines for one repair's result.
    func result(_ result: Result<RepairOutcome, RepairError>, followUp: RepairFollowUp, _ metadata: Logger.Metadata) {
        var meta = metadata
        switch result {
        case .success(.installed(let plan, _)):
            meta["sha256"] = .string(plan.anchors.map(\.sha256).joined(separator: ","))
            meta["file"] = .string(plan.files.joined(separator: ","))
            meta["subject"] = .string(plan.anchors.first?.subject ?? "")
            self(.installed, level: .notice, meta)
            meta["bundle"] = .string(plan.bundlePath)
            self(.verified, level: .notice, meta)
        case .success(.alreadyInstalled), .success(.alreadyTrusted):
            switch followUp {
            case .staleFailure(let restarted):
                meta["why"] = .string("logged before the restart of \(restarted.joined(separator: ", "))")
                self(.note(.alreadyTrustedRestarted), level: .info, meta)
            case .checkCertsD:
                self(.note(.alreadyTrustedCheckCertsD), level: .warning, meta)
            default:
                // The bundle trusts the chain, yet the engine failed: it has not reloaded its roots.
                self(.note(.alreadyTrustedNeedsRestart), level: .info, meta)
            }
        case .success(.planned):
            break
        case .failure(let error):
            meta["error"] = .string("\(error.cause)")
            if let failure = error.rollbackFailure { meta["rollback_error"] = .string("\(failure)") }
            if let changed = error.cause as? AnchorChanged {
                anchorChanged(changed, reportMode: false, meta)
            } else if error.code == .refused {
                self(.refused(.chain), level: .warning, meta)
            } else if error.rolledBack {
                self(.rolledBack(afterCrash: false), level: .warning, meta)
            } else {
                self(.refused(.failed), level: .warning, meta)
            }
        }
    }
}
