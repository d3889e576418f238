import Logging
import TrustmendCore

/// The daemon's log lines: one per decision, each event kind with its fixed `MESSAGE_ID`, data in
/// metadata. The messages are fixed (operators and the end-to-end test grep them).
struct EventLog: Sendable {
    var logger: Logger

    func callAsFunction(_ event: Event, _ message: Logger.Message, level: Logger.Level, _ metadata: Logger.Metadata) {
        var meta = metadata
        meta["message_id"] = .string(event.messageID)
        meta["event"] = .string(event.rawValue)
        logger.log(level: level, message, metadata: meta)
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
    func anchorChanged(_ changed: AnchorChanged, _ message: Logger.Message, _ metadata: Logger.Metadata) {
        var meta = metadata
        meta["sha256"] = .string(changed.offered.map(\.sha256).joined(separator: ","))
        meta["installed_sha256"] = .string(changed.installed.map(\.sha256).joined(separator: ","))
        meta["subject"] = .string(changed.offered.first?.subject ?? "")
        meta["command"] = .string(changed.command)
        meta["why"] = .string(changed.description)
        self(.anchorChanged, message, level: .warning, meta)
    }

    /// The lines for one repair's result.
    func result(_ result: Result<RepairOutcome, RepairError>, followUp: RepairFollowUp, _ metadata: Logger.Metadata) {
        var meta = metadata
        switch result {
        case .success(.installed(let plan, _)):
            meta["sha256"] = .string(plan.anchors.map(\.sha256).joined(separator: ","))
            meta["file"] = .string(plan.files.joined(separator: ","))
            meta["subject"] = .string(plan.anchors.first?.subject ?? "")
            self(.installed, "anchor installed", level: .notice, meta)
            meta["bundle"] = .string(plan.bundlePath)
            self(.verified, "chain verified against the bundle", level: .notice, meta)
        case .success(.alreadyInstalled), .success(.alreadyTrusted):
            switch followUp {
            case .staleFailure(let restarted):
                meta["why"] = .string("logged before the restart of \(restarted.joined(separator: ", "))")
                logger.info("already trusted by the bundle, and the engine was restarted after this failure", metadata: meta)
            case .checkCertsD:
                logger.warning(
                    "already trusted through the system bundle or certs.d, yet the engine failed: it has not reloaded the bundle, or does not read that directory (trustmend doctor)",
                    metadata: meta)
            default:
                // The bundle trusts the chain, yet the engine failed: it has not reloaded its roots.
                logger.info("already trusted by the bundle; the engine needs a restart to see it", metadata: meta)
            }
        case .success(.planned):
            break
        case .failure(let error):
            meta["error"] = .string("\(error.cause)")
            if let failure = error.rollbackFailure { meta["rollback_error"] = .string("\(failure)") }
            if let changed = error.cause as? AnchorChanged {
                anchorChanged(changed, "refused: the anchor changed since trustmend installed one for this endpoint", meta)
            } else if error.code == .refused {
                self(.refused, "refused to trust the chain", level: .warning, meta)
            } else if error.rolledBack {
                self(.rolledBack, "repair failed and was rolled back", level: .warning, meta)
            } else {
                self(.refused, "repair failed", level: .warning, meta)
            }
        }
    }
}
