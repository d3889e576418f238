/// How a trace reaches the servers and what it judges their chains against.
public struct TraceOptions: Sendable, Hashable {
    /// Time limits and the proxy, per request, as `fetch` uses them.
    public var fetch: FetchOptions
    /// The platform whose manifest an index is resolved to (`linux/amd64`, the node's own).
    public var platform: String
    /// The most redirects followed for one request (Go's client stops at 10; the engines meet 1 or 2).
    public var maxRedirects: Int
    /// How long a server may take to answer once the handshake is done: the request sent and the
    /// response's head and (bounded) body read.
    public var responseTimeout: Duration
    /// The engine's proxy settings, when each host met chooses its proxy as Go does (`NO_PROXY` may
    /// exempt the registry and not its CDN); nil to use `fetch.proxy` for every host.
    public var proxyEnvironment: ProxyEnvironment?
    /// End the walk at the first host this view refuses (`.some(nil)`: every engine refuses it), as the
    /// engine's own pull ends there. What a server the engine does not trust answers — a redirect, a token
    /// realm — is then never followed, so a server on the path cannot send the trace to hosts of its
    /// choosing. The daemon sets it; the CLI leaves it nil to show every host an operator may have to fix.
    public var stopWhereRefusedBy: RegistryEngine??

    public init(
        fetch: FetchOptions = FetchOptions(), platform: String, maxRedirects: Int = 5, responseTimeout: Duration = .seconds(10),
        proxyEnvironment: ProxyEnvironment? = nil, stopWhereRefusedBy: RegistryEngine?? = nil
    ) {
        self.fetch = fetch
        self.platform = platform
        self.maxRedirects = maxRedirects
        self.responseTimeout = responseTimeout
        self.proxyEnvironment = proxyEnvironment
        self.stopWhereRefusedBy = stopWhereRefusedBy
    }

    /// The fetch options for one host: its proxy chosen from `proxyEnvironment` when there is one.
    public func fetchOptions(for endpoint: Endpoint) throws(ProxyURLError) -> FetchOptions {
        guard let proxyEnvironment else { return fetch }
        var options = fetch
        options.proxy = try proxyEnvironment.proxy(for: endpoint)
        return options
    }
}
