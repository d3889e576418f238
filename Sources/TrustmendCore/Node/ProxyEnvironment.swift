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

/// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped), enough to compare and match networks.
struct IPAddress: Hashable {
    let bytes: [UInt8]
    let isV4: Bool

    init?(_ text: String) {
        if IPv4Literal.isValid(text) {
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + text.split(separator: ".").map { UInt8($0)! }
            isV4 = true
            return
        }
        guard IPv6Literal.isValid(text) else { return nil }
        var text = text
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            // An embedded IPv4 tail is two more groups.
            let v4 = text[text.index(after: lastColon)...].split(separator: ".").map { UInt16($0)! }
            text = String(text[...lastColon]) + String(v4[0] << 8 | v4[1], radix: 16) + ":" + String(v4[2] << 8 | v4[3], radix: 16)
        }
        func parse(_ part: Substring) -> [UInt16] { part.split(separator: ":").map { UInt16($0, radix: 16)! } }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        var groups: [UInt16]
        if halves.count == 2 {
            let head = parse(halves[0]), rest = parse(halves[1])
            groups = head + [UInt16](repeating: 0, count: max(0, 8 - head.count - rest.count)) + rest
        } else {
            groups = parse(text[...])
        }
        guard groups.count == 8 else { return nil }
        bytes = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        isV4 = false
    }

    var isLoopback: Bool {
        if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff][...] { return bytes[12] == 127 }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
struct CIDR {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let ip = IPAddress(String(parts[0])), let bits = Int(parts[1]) else { return nil }
        let maximum = ip.isV4 ? 32 : 128
        guard (0...maximum).contains(bits) else { return nil }
        network = ip
        prefix = ip.isV4 ? bits + 96 : bits
    }

    func contains(_ ip: IPAddress) -> Bool {
        guard ip.isV4 == network.isV4 else { return false }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if ip.bytes[bit / 8] & mask != network.bytes[bit / 8] & mask { return false }
        }
        return true
    }
}
