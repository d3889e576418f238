/// The daemon's configuration, `/etc/trustmend/config.yaml`. Every key has a default; the defaults trust
/// nothing (an empty allow list means report-only).
public struct Configuration: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Install and restart as the policy allows.
        case enforce
        /// Detect, decide and log what would be done; change nothing.
        case report
    }

    public enum ContainerdRestart: String, Sendable, Hashable, CaseIterable {
        case always, never
    }

    public enum DockerRestart: String, Sendable, Hashable, CaseIterable {
        /// Only when `"live-restore": true`, since otherwise every container stops (FACTS §13).
        case whenLiveRestore = "when-live-restore"
        case always, never
    }

    public enum ProxySetting: Sendable, Hashable {
        /// The proxy the engine unit's environment names, as Go would pick it (FACTS §16).
        case engine
        case none
        case url(ProxyURL)
    }

    public var mode: Mode = .report
    /// How repairs make the engines trust an anchor (a rule may say otherwise).
    public var route: TrustRoute = .auto
    public var trustAny = false
    public var anchor: AnchorChoice = .topCA
    public var allow: [AllowRule] = []

    public var journalEnabled = true
    public var journalUnits = ["containerd.service", "docker.service", "kubelet.service", "crio.service"]
    public var journalLookBack: Duration = .seconds(600)
    /// A journal directory to read instead of the system journal.
    public var journalDirectory: String?
    public var files: [String] = []

    public var restartContainerd: ContainerdRestart = .always
    public var restartDocker: DockerRestart = .whenLiveRestore
    public var restartMinInterval: Duration = .seconds(600)
    public var restartTimeout: Duration = .seconds(90)

    public var debounce: Duration = .seconds(5)
    public var backoff: Duration = .seconds(900)
    public var maxInstallsPerHour = 10

    public var connectTimeout: Duration = .seconds(10)
    public var handshakeTimeout: Duration = .seconds(10)
    public var proxy: ProxySetting = .engine
    public var updateToolTimeout: Duration = .seconds(120)
    public var stateDirectory = "/var/lib/trustmend"

    public init() {}

    /// True when nothing may be installed: report mode, or no rule and no `trust_any`.
    public var reportOnly: Bool { mode == .report || (allow.isEmpty && !trustAny) }
}

/// One `allow` entry: which hosts may be trusted, on which port, with which anchors.
public struct AllowRule: Sendable, Hashable, CustomStringConvertible {
    public var host: HostPattern
    public var port: UInt16?
    /// Lower-case hex SHA-256 pins of the anchor; empty means any anchor (trust on first use).
    public var sha256: Set<String>
    public var anchor: AnchorChoice?
    /// Overrides the top-level `route` for the hosts of this rule.
    public var route: TrustRoute?
    public var line: Int

    public init(
        host: HostPattern, port: UInt16? = nil, sha256: Set<String> = [], anchor: AnchorChoice? = nil, route: TrustRoute? = nil, line: Int = 0
    ) {
        self.host = host
        self.port = port
        self.sha256 = sha256
        self.anchor = anchor
        self.route = route
        self.line = line
    }

    public func matches(_ endpoint: Endpoint) -> Bool {
        (port == nil || port == endpoint.port) && host.matches(endpoint.host)
    }

    public var description: String {
        "\(host)\(port.map { ":\($0)" } ?? "")" + (sha256.isEmpty ? "" : " pinned") + (line > 0 ? " (line \(line))" : "")
    }
}

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
