/// The facts of one log line as the journal carries them in its `TRUSTMEND_*` fields: each metadata key
/// (`host`, `port`, `sha256`, `why` …) with its value as text, lists joined by commas.
///
/// `EventSentence` composes the MESSAGE from these and from nothing else, so a line's sentence and its
/// fields cannot say different things. The values are kept as they came (hostile text included); only
/// the finished sentence is escaped. A key that is missing or empty is not a fact: the sentence leaves it out.
public struct EventFacts: Sendable, Hashable {
    public var fields: [String: String]

    public init(_ fields: [String: String] = [:]) {
        self.fields = fields
    }

    /// The value of a field, nil when it is missing or empty.
    public subscript(_ key: String) -> String? {
        guard let value = fields[key], !value.isEmpty else { return nil }
        return value
    }

    /// A comma-joined field as its items (`unit`, `file`, `sha256`).
    public func list(_ key: String) -> [String] {
        self[key]?.split(separator: ",").map(String.init) ?? []
    }

    /// `host:port` as `Endpoint.authority` writes it (an IPv6 literal in brackets), the host alone without
    /// a port, nil without a host.
    public var endpoint: String? {
        guard let host = self["host"] else { return nil }
        guard let port = self["port"] else { return host }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The endpoint, or words for it when the line named none (a sentence still reads).
    var endpointOrSomeHost: String { endpoint ?? "a registry" }

    /// The units, as a list in words ("containerd.service and docker.service").
    func units(or fallback: String) -> String {
        let units = list("unit")
        return units.isEmpty ? fallback : Self.words(units)
    }

    /// The anchor the line is about, as an operator recognises it: its subject in quotes and the first 16
    /// hex digits of its SHA-256 followed by "…" (`"CN=Corp CA" (sha256 4f8e31fe0a1b2c3d…)`), with how many
    /// more there are. Nil without a fingerprint.
    var anchor: String? {
        let shas = list("sha256")
        guard let first = shas.first else { return nil }
        var text = "sha256 \(Self.prefix(first))"
        if let subject = self["subject"] { text = "\"\(subject)\" (\(text))" }
        if shas.count > 1 { text += " and \(shas.count - 1) more (\(shas.dropFirst().map(Self.prefix).joined(separator: ", ")))" }
        return text
    }

    /// The first 16 hex digits of a SHA-256 and "…": enough to recognise it, and never taken for the whole.
    public static func prefix(_ sha256: String) -> String {
        sha256.count > 16 ? String(sha256.prefix(16)) + "…" : sha256
    }

    /// "a", "a and b", "a, b and c".
    static func words(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
