/// A host name glob: an exact name or IP literal, `*.example.com` (one or more labels before
/// `example.com`), or a `*` inside one label (`registry-*.example.com`, never crossing a dot).
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String

    public init(_ text: String) throws(ConfigError) {
        let lowered = text.lowercased()
        guard !lowered.isEmpty else { throw ConfigError(line: 0, "an allow rule's host is empty") }
        guard lowered != "*" else {
            throw ConfigError(line: 0, "host \"*\" would allow every host; say `trust_any: true` if that is really meant")
        }
        if lowered.hasPrefix("[") && lowered.hasSuffix("]") {
            pattern = String(lowered.dropFirst().dropLast())
        } else {
            pattern = lowered
        }
        // Validate by substituting a label for every "*": what remains must be a valid host.
        let probe = pattern.replacing("*", with: "x")
        do { _ = try Endpoint(host: probe) } catch {
            throw ConfigError(line: 0, "host pattern \"\(text)\" is not a host name, IP address or glob: \(error)")
        }
        if pattern.contains("*") && probe.contains(":") {
            throw ConfigError(line: 0, "host pattern \"\(text)\": globs are not allowed in IPv6 addresses")
        }
        try Self.refuseBroadGlob(pattern, text)
    }

    /// A glob must stay inside one organisation's names: every label with a `*` is followed by at least
    /// two literal labels (`*.corp.example`, `registry-*.corp.example`), so `*.*`, `*.com`, `x*.com` and
    /// `*.1` are refused; and no IPv4-shaped pattern may have a `*` (`10.*.0.1` is a range of addresses,
    /// which a host glob is not the way to allow).
    static func refuseBroadGlob(_ pattern: String, _ text: String) throws(ConfigError) {
        guard pattern.contains("*") else { return }
        let labels = pattern.split(separator: ".", omittingEmptySubsequences: false)
        if labels.allSatisfy({ $0.allSatisfy { $0 == "*" || ("0"..."9").contains($0) } }) {
            throw ConfigError(line: 0, "host pattern \"\(text)\": globs are not allowed in IP addresses; list each address")
        }
        guard let last = labels.lastIndex(where: { $0.contains("*") }), labels.count - 1 - last >= 2 else {
            throw ConfigError(
                line: 0,
                "host pattern \"\(text)\" is too broad: a `*` must be followed by at least two fixed labels, as in \"*.corp.example\"")
        }
    }

    public var description: String { pattern }

    public func matches(_ host: String) -> Bool {
        let host = host.lowercased()
        guard pattern.contains("*") else { return host == pattern }
        var patternLabels = pattern.split(separator: ".", omittingEmptySubsequences: false)
        var hostLabels = host.split(separator: ".", omittingEmptySubsequences: false)
        if patternLabels.first == "*" {
            patternLabels.removeFirst()
            // "*." matches one or more whole labels.
            guard hostLabels.count > patternLabels.count else { return false }
            hostLabels.removeFirst(hostLabels.count - patternLabels.count)
        }
        guard hostLabels.count == patternLabels.count else { return false }
        return zip(patternLabels, hostLabels).allSatisfy { Self.labelMatches(pattern: $0, label: $1) }
    }

    static func labelMatches(pattern: Substring, label: Substring) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == label }
        var rest = label[...]
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!) && rest.count >= parts.last!.count
    }
}
