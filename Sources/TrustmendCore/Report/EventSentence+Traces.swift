/// The sentences of a trace the daemon ran for a failure that named no host: the image, the host that
/// fails and its role, or why nothing is repaired.
extension EventSentence {
    static func traced(_ kind: Trace, _ f: EventFacts) -> String {
        let image = f["image"] ?? "an image"
        let again = f["command"].map { "; to see every host: \($0)" } ?? ""
        switch kind {
        case .failing:
            var text = "tracing \(image) found \(f.endpointOrSomeHost)"
            if let role = role(f["role"]) { text += ", \(role)\(f["registry"].map { " of \($0)" } ?? ""),"}
            text += " failing"
            if let engine = f["engine_view"] { text += " for \(engine)" }
            text += colon(f["why"])
            return text + "; it is decided next as a failure of that host, under the allow list"
        case .allVerify:
            return "tracing \(image): every host it met verifies\(colon(f["why"])); nothing repaired, nothing restarted\(again)"
        case .needsCredentials:
            return "tracing \(image) stopped where the registry wants credentials\(colon(f["why"])); the hosts met before verify; nothing repaired\(again)"
        case .stopped:
            return "tracing \(image) stopped early\(colon(f["why"])); the hosts met before verify; nothing repaired\(again)"
        }
    }

    /// The host's role in words, as the guide names them.
    static func role(_ value: String?) -> String? {
        switch value.flatMap(TraceRole.init(rawValue:)) {
        case .registry?: "the registry"
        case .token?: "the token server"
        case .redirect?: "a host a redirect led to (a CDN)"
        case nil: nil
        }
    }
}
