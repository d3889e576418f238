import FoundationEssentials
import TrustmendCore

/// Everything the daemon touches, as Core's protocols, so tests wire real or stand-in components.
public struct DaemonWiring: Sendable {
    public var scanner: LogScanner
    /// The node's distro: which anchors its trust store accepts (p11-kit's CA filter, FACTS §4).
    public var profile: DistroProfile
    public var fetcher: any ChainFetcher
    /// Builds the repairer for a configuration (the update tool's time limit is configurable).
    public var makeRepairer: @Sendable (Configuration) -> Repairer
    public var systemd: any UnitRestarter
    public var state: any StateStore
    /// `"live-restore": true` in docker's daemon.json, read when a restart is planned.
    public var dockerLiveRestore: @Sendable () -> Bool
    /// The proxy an engine with this environment would use for this endpoint (FACTS §16).
    public var engineProxy: @Sendable (Endpoint, [String]) -> ProxyURL?
    /// Whether each engine reads its `certs.d`, read again at every batch that may use it.
    public var routeFacts: @Sendable () async -> RouteFacts
    /// The registry route's store for one registry and the engines that failed on it; nil when this
    /// wiring has no registry route (every repair takes the system route).
    public var makeRegistryStore: (@Sendable (RegistryHost, [RegistryEngine]) -> any AnchorStore)?
    /// Where `trustmend.prom` goes; nil: no metrics file.
    public var metrics: (any MetricsPublisher)?
    /// `trustmend_build_info`'s labels (the version, the OpenSSL in use).
    public var buildInfo: [String: String]
    /// Traces an image tied to a failure that named no host (issue 19, item 2); nil: such a failure is
    /// reported with the `trustmend trace` command, never traced.
    public var tracer: (any ImageTracer)?
    /// The platform a trace resolves an index to: the node's own, as the engines pull.
    public var platform: String

    /// The platform this binary runs on, as image indexes name it (`linux/amd64`, `linux/arm64`).
    public static var nodePlatform: String {
        #if arch(arm64)
            "linux/arm64"
        #elseif arch(arm)
            "linux/arm"
        #elseif arch(powerpc64le)
            "linux/ppc64le"
        #elseif arch(s390x)
            "linux/s390x"
        #else
            "linux/amd64"
        #endif
    }

    /// Facts under which no engine reads `certs.d`: `auto` always takes the system route.
    public static let noRegistryRoute: @Sendable () async -> RouteFacts = {
        RouteFacts(
            containerd: ContainerdCoverage(covered: false, why: "not known"),
            docker: DockerImageStore(containerdSnapshotter: false, why: "not known"))
    }

    public init(
        scanner: LogScanner, profile: DistroProfile, fetcher: any ChainFetcher, makeRepairer: @escaping @Sendable (Configuration) -> Repairer,
        systemd: any UnitRestarter, state: any StateStore, dockerLiveRestore: @escaping @Sendable () -> Bool,
        engineProxy: @escaping @Sendable (Endpoint, [String]) -> ProxyURL?,
        routeFacts: @escaping @Sendable () async -> RouteFacts = DaemonWiring.noRegistryRoute,
        makeRegistryStore: (@Sendable (RegistryHost, [RegistryEngine]) -> any AnchorStore)? = nil,
        metrics: (any MetricsPublisher)? = nil, buildInfo: [String: String] = [:], tracer: (any ImageTracer)? = nil,
        platform: String = DaemonWiring.nodePlatform
    ) {
        self.tracer = tracer
        self.platform = platform
        self.metrics = metrics
        self.buildInfo = buildInfo
        self.routeFacts = routeFacts
        self.makeRegistryStore = makeRegistryStore
        self.scanner = scanner
        self.profile = profile
        self.fetcher = fetcher
        self.makeRepairer = makeRepairer
        self.systemd = systemd
        self.state = state
        self.dockerLiveRestore = dockerLiveRestore
        self.engineProxy = engineProxy
    }
}
