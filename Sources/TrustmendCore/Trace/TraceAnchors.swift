/// What a trace judges each chain against: the bundle the engines read (FACTS §1–3), and per engine the
/// certificates of its `certs.d/<registry>` directory, which it adds for every host of that registry's
/// pulls, redirects included (FACTS §10–12, §23).
public struct TraceAnchors: Sendable, Hashable {
    public var bundlePEM: String
    /// Only engines whose directory holds certificates: an empty one changes nothing.
    public var registryDirectories: [RegistryEngine: [ChainCertificate]]

    public init(bundlePEM: String, registryDirectories: [RegistryEngine: [ChainCertificate]] = [:]) {
        self.bundlePEM = bundlePEM
        self.registryDirectories = registryDirectories.filter { !$0.value.isEmpty }
    }
}
