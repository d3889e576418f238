public enum ProxyURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedScheme(String)
    case badEndpoint(EndpointError)

    public var description: String {
        switch self {
        case .unsupportedScheme(let s):
            "proxy scheme \(EndpointError.quote(s)) is not supported: trustmend tunnels through HTTP proxies with CONNECT (http://host:port)"
        case .badEndpoint(let e): "bad proxy address: \(e)"
        }
    }
}
