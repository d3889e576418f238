/// Whether a repair of one endpoint may write a registry's `certs.d`.
///
/// The allow rule was matched against the failing host, but the registry route's directory comes from
/// the image reference in the log line (FACTS §12): text that whoever chooses the image chooses. So the
/// registry must be authorised too (issue 16, item 3): it is the failing host itself, or the matching
/// rule lists it in `registries` (a token or CDN host that serves that registry). Under `trust_any`
/// every host may be trusted node-wide already, so any registry may be written.
public enum RegistryScope {
    /// Nil when `registry` may be written for `endpoint` under `rule` (nil: `trust_any`), else why not
    /// and which rule key to add.
    public static func refusal(_ registry: RegistryHost, endpoint: Endpoint, rule: AllowRule?) -> RouteRefusal? {
        guard let rule else { return nil }
        if isSameHost(registry, endpoint) || rule.registries.contains(where: { same($0, registry) }) { return nil }
        let line = rule.line > 0 ? " (line \(rule.line))" : ""
        return RouteRefusal(
            "the line names the registry \(registry), but the allow rule for \(rule.name)\(line) matched \(endpoint.authority), "
                + "not that registry, and does not list it: if \(endpoint.host) serves \(registry) (a token or CDN host), add "
                + "`registries: [\"\(registry)\"]` to that rule, or allow \(registry) by a rule of its own")
    }

    /// The registry is the endpoint: the same host, and the endpoint's port (443 when the reference
    /// names none). Docker Hub's API hosts are `docker.io`.
    public static func isSameHost(_ registry: RegistryHost, _ endpoint: Endpoint) -> Bool {
        if same(registry, RegistryHost(endpoint: endpoint)) { return true }
        return registry.host.lowercased() == endpoint.host.lowercased() && (registry.port ?? 443) == endpoint.port
    }

    /// One registry name: host names compare without case, as DNS does; the port is part of the name.
    static func same(_ a: RegistryHost, _ b: RegistryHost) -> Bool {
        a.host.lowercased() == b.host.lowercased() && a.port == b.port
    }
}
