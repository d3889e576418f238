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

    public init(
        scanner: LogScanner, profile: DistroProfile, fetcher: any ChainFetcher, makeRepairer: @escaping @Sendable (Configuration) -> Repairer,
        systemd: any UnitRestarter, state: any StateStore, dockerLiveRestore: @escaping @Sendable () -> Bool,
        engineProxy: @escaping @Sendable (Endpoint, [String]) -> ProxyURL?
    ) {
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
