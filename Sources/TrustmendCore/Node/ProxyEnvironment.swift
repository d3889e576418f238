/// Which proxy a Go program uses for an https endpoint, from its environment, by the rules of
/// `golang.org/x/net/http/httpproxy` (what `net/http.ProxyFromEnvironment` uses): `HTTPS_PROXY`, else
/// `https_proxy`; `NO_PROXY`, else `no_proxy`. trustmend must fetch the chain the way the engine
/// connects, because behind a TLS-inspecting proxy the engine sees the proxy's chain (FACTS §16).
public struct ProxyEnvironment: Sendable, Hashable {
    public var httpsProxy: String?
    public var noProxy: String?

    public init(_ environment: [String: String]) {
        httpsProxy = Self.first(environment, "HTTPS_PROXY", "https_proxy")
        noProxy = Self.first(environment, "NO_PROXY", "no_proxy")
    }

    /// From `KEY=value` entries, as a unit's `Environment=` or `/proc/PID/environ` has them.
    public init(entries: [String]) { self.init(KeyValue.dictionary(entries)) }

    static func first(_ environment: [String: String], _ names: String...) -> String? {
        for name in names { if let value = environment[name], !value.isEmpty { return value } }
        return nil
    }

    /// The proxy for `endpoint`, or nil to connect directly. Throws when the proxy setting cannot be used.
    public func proxy(for endpoint: Endpoint) throws(ProxyURLError) -> ProxyURL? {
        guard let httpsProxy, useProxy(endpoint) else { return nil }
        return try ProxyURL(parsing: httpsProxy.contains("://") ? httpsProxy : "http://" + httpsProxy)
    }

    /// Go's `useProxy`: never for localhost or loopback addresses, never when NO_PROXY is `*`, and not
    /// for a NO_PROXY entry that matches (an IP, a CIDR, a domain with its subdomains, `.domain` for
    /// subdomains only; an entry's port, when given, must match too).
    public func useProxy(_ endpoint: Endpoint) -> Bool {
        let host = endpoint.host
        if host == "localhost" { return false }
        if let ip = IPAddress(host), ip.isLoopback { return false }
        guard let noProxy else { return true }
        for rawEntry in noProxy.split(separator: ",") {
            var entry = rawEntry.trimmingSpaces.lowercased()
            if entry.isEmpty { continue }
            if entry == "*" { return false }
            if entry.contains("/") {
                if let network = CIDR(entry), let ip = IPAddress(host), network.contains(ip) { return false }
                continue
            }
            if let ip = IPAddress(entry), let hostIP = IPAddress(host) {
                if ip == hostIP { return false }
                continue
            }
            var port: UInt16?
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]"), entry.filter({ $0 == ":" }).count == 1 {
                port = UInt16(entry[entry.index(after: colon)...])
                entry = String(entry[..<colon])
            } else if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                let rest = entry[entry.index(after: close)...]
                if rest.hasPrefix(":") { port = UInt16(rest.dropFirst()) }
                entry = String(entry[entry.index(after: entry.startIndex)..<close])
                if let ip = IPAddress(entry), let hostIP = IPAddress(host), ip == hostIP, port == nil || port == endpoint.port { return false }
                continue
            }
            if let port, port != endpoint.port { continue }
            if entry.hasPrefix("*.") { entry.removeFirst() }
            if entry.hasPrefix(".") {
                if host.hasSuffix(entry) { return false }
            } else if host == entry || host.hasSuffix("." + entry) {
                return false
            }
        }
        return true
    }
}
