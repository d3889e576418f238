import TrustmendCore
import TrustmendDaemon
import TrustmendStore
import TrustmendTLS

/// The daemon's wiring on a node: every seam is the real adapter on `root` unless the caller hands in
/// its own. `trustmend run` and the daemon's tests build the wiring here, so they run the same thing.
enum DaemonFactory {
    /// Where the registry route's facts come from.
    enum RegistryRoute: Sendable {
        /// Read on the node at every batch that may use it: containerd's configuration and version, daemon.json.
        case node
        /// Given: the tests' engines.
        case facts(RouteFacts)
        /// No registry route: every repair takes the system route.
        case off
    }

    /// Stand-ins for the real adapters; nil takes the real one.
    struct Seams: Sendable {
        var fetcher: (any ChainFetcher)?
        var verifier: (any ChainVerifier)?
        /// The system route's store for a configuration (its update tool's time limit).
        var systemStore: (@Sendable (Configuration) -> any AnchorStore)?
        var registryStore: (@Sendable (RegistryHost, [RegistryEngine]) -> any AnchorStore)?
        /// Takes back registry-route files the ledger names (a registry store for no registry).
        var registryRemover: (any AnchorStore)?
        var ledger: (@Sendable (Configuration) -> any LedgerStore)?
        var state: (any StateStore)?
        var dockerLiveRestore: (@Sendable () -> Bool)?
        var metrics: (any MetricsPublisher)?
        /// Traces images for failures that name no host; nil: none is traced (reported with the command).
        var tracer: (any ImageTracer)?

        init() {}
    }

    /// - Parameters:
    ///   - root: the node's root (`--root`).
    ///   - updateTool: `--update-tool`, run instead of the distro's tool.
    ///   - stateDirectory: the state directory on this machine's disk (under the root).
    static func wiring(
        root: String, profile: DistroProfile, updateTool: String?, stateDirectory: String, restarter: any UnitRestarter,
        registryRoute: RegistryRoute = .node, seams: Seams = Seams()
    ) -> DaemonWiring {
        wiring(
            root: NodeRoot(root), profile: profile, updateTool: updateTool, stateDirectory: stateDirectory, restarter: restarter,
            registryRoute: registryRoute, seams: seams)
    }

    /// - Parameter root: a sandbox (`--root`) or the node itself (`/`, `--host-root`).
    static func wiring(
        root: NodeRoot, profile: DistroProfile, updateTool: String?, stateDirectory: String, restarter: any UnitRestarter,
        registryRoute: RegistryRoute = .node, seams: Seams = Seams()
    ) -> DaemonWiring {
        let fetcher = seams.fetcher ?? OpenSSLChainFetcher()
        let verifier = seams.verifier ?? OpenSSLChainVerifier()
        let systemStore = seams.systemStore ?? { config in
            SystemAnchorStore(root: root, profile: profile, toolOverride: updateTool, toolTimeout: config.updateToolTimeout)
        }
        let node = NodeFacts(root: root, systemd: restarter)
        let ledger = seams.ledger ?? { config in
            JSONLedgerStore(path: root.resolved(config.stateDirectory) + "/ledger.json")
        }
        let registryStore = seams.registryStore ?? { registry, engines in
            RegistryAnchorStore(root: root, registry: registry, engines: engines, systemBundlePath: profile.bundle)
        }
        // Registry-route files the ledger names are taken back by `recover` and `remove` whatever the wiring.
        let remover = seams.registryRemover ?? RegistryAnchorStore.remover(root: root)
        var routeFacts: @Sendable () async -> RouteFacts = DaemonWiring.noRegistryRoute
        switch registryRoute {
        case .node: routeFacts = { await node.routeDetails().routeFacts }
        case .facts(let facts): routeFacts = { facts }
        case .off: break
        }
        return DaemonWiring(
            scanner: LogScanner(), profile: profile, fetcher: fetcher,
            makeRepairer: { config in
                Repairer(
                    fetcher: fetcher, verifier: verifier, store: systemStore(config), ledger: ledger(config), profile: profile,
                    otherRoutes: [remover])
            },
            systemd: restarter, state: seams.state ?? JSONStateStore(path: stateDirectory + "/state.json"),
            dockerLiveRestore: seams.dockerLiveRestore ?? { node.dockerLiveRestore() },
            engineProxy: { endpoint, environment in try? ProxyEnvironment(entries: environment).proxy(for: endpoint) },
            routeFacts: routeFacts, makeRegistryStore: { if case .off = registryRoute { nil } else { registryStore } }(),
            metrics: seams.metrics ?? TextfileMetricsPublisher(root: root),
            buildInfo: ["version": VersionInfo.version, "openssl": OpenSSLInfo.version],
            tracer: seams.tracer ?? NodeImageTracer.make(root: root, system: SystemAnchorStore(root: root, profile: profile)))
    }
}
