/// The sentences of a repair: the failure detected, the anchor installed and verified, and each way a
/// repair is refused, fails or is rolled back.
extension EventSentence {
    static func detected(_ f: EventFacts) -> String {
        let who = f["engine"].flatMap { $0 == Engine.unknown.rawValue ? nil : $0 } ?? "an engine"
        let endpoint = f.endpointOrSomeHost
        let failed = f["image"].map { "\(who) failed to pull \($0): the certificate of \(endpoint)" } ?? "\(who) failed to verify \(endpoint): its certificate"
        return "\(failed) is signed by an unknown authority; the host is allowed, so trustmend fetches its chain after the debounce"
    }

    static func installed(_ f: EventFacts) -> String {
        var text = "installed the anchor of \(f.endpointOrSomeHost)"
        if let anchor = f.anchor { text += ", \(anchor)," }
        let files = f.list("file")
        if !files.isEmpty { text += " as \(EventFacts.words(files))" }
        if let route = route(f["route"]) { text += " on \(route)" }
        if let endpoint = f.endpoint { text += "; to take it out again: trustmend remove \(endpoint)" }
        return text
    }

    static func verified(_ f: EventFacts) -> String {
        var text = "the chain of \(f.endpointOrSomeHost) now verifies against \(f["bundle"] ?? "the bundle")"
        if f["route"] == RouteKind.registry.rawValue {
            text += "; the engines read it at their next pull, no restart needed"
        } else {
            text += "; \(f.units(or: "the engine")) must restart to load it"
        }
        return text
    }

    static func rolledBack(afterCrash: Bool, _ f: EventFacts) -> String {
        let endpoint = f.endpointOrSomeHost
        if afterCrash {
            var what = [EventFacts.words(f.list("file"))].filter { !$0.isEmpty }
            if let first = f.list("sha256").first { what.append("sha256 \(EventFacts.prefix(first))") }
            let detail = what.isEmpty ? "" : " (\(what.joined(separator: ", ")))"
            return "the install for \(endpoint) that a crash left unfinished was rolled back\(detail); its repair runs again"
        }
        return "the repair of \(endpoint) failed and was rolled back (the anchor removed, the bundle rebuilt)\(colon(f["error"]))"
            + "; the host is left alone for the back-off period; to look into it: trustmend doctor"
    }

    static func refused(_ kind: Refusal, _ f: EventFacts) -> String {
        let endpoint = f.endpointOrSomeHost
        switch kind {
        case .registryRoute:
            return "\(endpoint) not repaired: the registry route cannot serve it (route: registry)\(colon(f["why"]))"
        case .fetch:
            var text = "\(endpoint) not repaired: its certificate chain cannot be fetched\(colon(f["error"])); the host is left alone for the back-off period"
            if let e = f.endpoint { text += "; to try by hand: trustmend fetch \(e) --summary" }
            return text
        case .chain:
            var text = "\(endpoint) not repaired: trustmend refuses to trust its chain\(colon(f["error"]))"
            if let e = f.endpoint { text += "; to see the chain and the anchor: trustmend fix \(e) --dry-run" }
            return text
        case .failed:
            if let rollback = f["rollback_error"] {
                return "the repair of \(endpoint) failed\(colon(f["error"])); taking back what it wrote failed too: \(rollback); "
                    + "the next start tries again; to look into it: trustmend doctor"
            }
            return "the repair of \(endpoint) failed and changed nothing\(colon(f["error"])); to look into it: trustmend doctor"
        case .notStale:
            return "\(endpoint) is already trusted by the bundle, so \(f.units(or: "the engine")) is not restarted\(colon(f["why"])); "
                + "to look further: trustmend doctor"
        case .hourlyCap:
            return "\(endpoint) not installed\(colon(f["why"] ?? "the hourly cap is reached")); its next failure is tried again"
        case .skipped:
            return "\(endpoint) not repaired\(colon(f["why"]))"
        case .wouldRefuse:
            var text = "report mode: \(endpoint) would not be repaired\(colon(f["why"]))"
            if let e = f.endpoint { text += "; to see the chain: trustmend fix \(e) --dry-run" }
            return text
        }
    }

    static func anchorChanged(reportMode: Bool, _ f: EventFacts) -> String {
        let endpoint = f.endpointOrSomeHost
        var text = reportMode ? "report mode: " : ""
        text += "\(endpoint) presents another anchor"
        if let anchor = f.anchor { text += ", \(anchor)," }
        let installed = f.list("installed_sha256").map(EventFacts.prefix)
        text += " than the one trustmend installed for it"
        if !installed.isEmpty { text += " (sha256 \(installed.joined(separator: ", ")))" }
        text += reportMode ? ": it would be refused" : ": refused"
        text += "; if its CA really changed (check the fingerprint with whoever runs it)"
        if let command = f["command"] { text += ", run: \(command)" }
        if let e = f.endpoint { text += "; to start over from trust on first use: trustmend remove \(e)" }
        return text
    }
}
