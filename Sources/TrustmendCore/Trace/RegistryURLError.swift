/// Why a URL a server named (a token realm, a redirect's `Location`) is not followed.
public enum RegistryURLError: Error, Sendable, CustomStringConvertible {
    /// An http:// URL: no TLS, so nothing to judge, and the engines would send the request in the clear.
    case insecure(String)
    case unsupportedScheme(String)
    case notAbsolute(String)
    case credentials(String)
    case badHost(String, EndpointError)
    case badTarget(String)
    case tooLong(Int)

    public var description: String {
        switch self {
        case .insecure(let url): "\(EndpointError.quote(url)) is plain http: no TLS there to judge, and the trace does not follow it"
        case .unsupportedScheme(let scheme): "the scheme \(EndpointError.quote(scheme)) is not https"
        case .notAbsolute(let text): "\(EndpointError.quote(text)) is not an absolute URL"
        case .credentials(let url): "\(EndpointError.quote(url)) carries user credentials; the trace sends none and does not follow it"
        case .badHost(let host, let error): "the host \(EndpointError.quote(host)) is not valid: \(error)"
        case .badTarget(let target): "the path \(EndpointError.quote(target)) has characters a request line cannot carry"
        case .tooLong(let count): "the URL's path is \(count) bytes long, more than the 8192 followed"
        }
    }
}
