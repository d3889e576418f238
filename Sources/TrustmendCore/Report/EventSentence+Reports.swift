/// The sentences of what trustmend only reports: a host outside the allow list, what report mode would
/// install, and what a bound turned away.
extension EventSentence {
    static func reported(_ kind: Report, _ f: EventFacts) -> String {
        let endpoint = f.endpointOrSomeHost
        switch kind {
        case .notAllowed:
            var text = "\(endpoint) is not in the allow list: not trusted"
            if let image = f["image"], let trace = f["trace_command"] {
                text += "; the trace of \(image) found it failing (\(trace) shows every host)"
            }
            guard let command = f["command"] else { return text }
            if let anchor = f.anchor {
                text += "; its anchor is \(anchor); to trust it after checking the fingerprint out of band: \(command)"
            } else {
                text += "; to check it: \(command)"
            }
            return text
        case .wouldInstall:
            var text = "report mode: \(endpoint) would be repaired"
            if let anchor = f.anchor { text += " with \(anchor)" }
            if let route = route(f["route"]) { text += " on \(route)" }
            if let command = f["command"] { text += "; to do it after checking the fingerprint out of band: \(command)" }
            return text
        case .hostless:
            let who = f["engine"].flatMap { $0 == Engine.unknown.rawValue ? nil : $0 } ?? "an engine"
            var text = "\(who) failed to pull"
            text += f["image"].map { " \($0)" } ?? " an image"
            text += ": a certificate is signed by an unknown authority, and the line names no host\(colon(f["why"]))"
            text += "; nothing repaired; to find the host that fails: \(f["command"] ?? "trustmend trace IMAGE")"
            return text
        }
    }

    static func dropped(_ kind: Drop, _ f: EventFacts) -> String {
        let count = f["dropped"] ?? "some"
        switch kind {
        case .detections:
            let noun = count == "1" ? "detection" : "detections"
            let why = f["why"].map { " (\($0))" } ?? ""
            return "\(count) \(noun) from \(f["source"] ?? "a source") dropped: its fetch budget is spent\(why)"
        case .reports:
            let noun = count == "1" ? "report" : "reports"
            return "\(count) \(noun) of hosts not repaired dropped\(colon(f["why"] ?? "too many in one batch"))"
        }
    }
}
