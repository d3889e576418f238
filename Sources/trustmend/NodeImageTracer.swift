import TrustmendCore
import TrustmendStore
import TrustmendTLS

/// The tracer on a node's files, for `trustmend trace` and the daemon alike: the bundle the engines read
/// and each engine's `certs.d/<registry>` as the anchors each hop is judged against.
enum NodeImageTracer {
    /// - Parameter bundle: the bundle's text when the caller read it already (the CLI, which refuses to
    ///   trace without it); nil to read it at each trace (the daemon: it changes with every repair).
    static func make(root: NodeRoot, system: SystemAnchorStore, bundle: String? = nil) -> RegistryImageTracer {
        RegistryImageTracer { registry in
            var directories: [RegistryEngine: [ChainCertificate]] = [:]
            for engine in RegistryEngine.allCases {
                // containerd reads no loose *.crt next to a hosts.toml (its `ca` entries are not read here):
                // counting them would call a host trusted that containerd refuses.
                if engine == .containerd, NodeFiles.exists(root.resolved(engine.directory(for: registry) + "/hosts.toml")) { continue }
                let store = RegistryAnchorStore(root: root, registry: registry, engines: [engine], systemBundlePath: system.bundlePath)
                let pem = (try? store.existingTrustPEMs().first) ?? nil
                directories[engine] = PEM.certificates(in: pem ?? "").compactMap { try? ChainCertificate(der: $0) }
            }
            return TraceAnchors(bundlePEM: bundle ?? (try? system.bundlePEM()) ?? "", registryDirectories: directories)
        }
    }
}
