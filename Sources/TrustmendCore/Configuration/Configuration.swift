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
    public var journalUnits = EngineUnit.allCases.map(\.name)
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
    /// Fetch the chain of a host outside the allow list to put its anchor's fingerprint in the report
    /// (`fetch.unlisted_hosts`). Off by default: a line would otherwise make the root daemon open TLS
    /// connections to any host:port it names (issue 16, item 15); the report names the dry run instead.
    public var fetchUnlisted = false
    public var updateToolTimeout: Duration = .seconds(120)
    public var stateDirectory = "/var/lib/trustmend"
    /// Where `trustmend.prom` is written for node_exporter's textfile collector (`metrics.textfile_directory`);
    /// `""`: nowhere. The default is written only when it exists (`metricsDirectory(exists:)`).
    public var metricsTextfileDirectory = Configuration.debianTextfileDirectory

    public init() {}

    /// True when nothing may be installed: report mode, or no rule and no `trust_any`.
    public var reportOnly: Bool { mode == .report || (allow.isEmpty && !trustAny) }
}
