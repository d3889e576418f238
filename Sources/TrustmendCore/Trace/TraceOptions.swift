/// How a trace reaches the servers and what it judges their chains against.
public struct TraceOptions: Sendable, Hashable {
    /// Time limits and the proxy, per request, as `fetch` uses them.
    public var fetch: FetchOptions
    /// The platform whose manifest an index is resolved to (`linux/amd64`, the node's own).
    public var platform: String
    /// The most redirects followed for one request (Go's client stops at 10; the engines meet 1 or 2).
    public var maxRedirects: Int

    public init(fetch: FetchOptions = FetchOptions(), platform: String, maxRedirects: Int = 5) {
        self.fetch = fetch
        self.platform = platform
        self.maxRedirects = maxRedirects
    }
}
