/// How a detection's endpoint was found in its line, from the evidence trusted most to the least. The
/// scanner takes the first that names a valid endpoint, in this order (README, How it works); its raw
/// value is what the daemon logs as `TRUSTMEND_ENDPOINT_FROM`.
public enum EndpointSource: String, Sendable, Hashable, CaseIterable {
    /// The failing request's URL as the line prints it.
    case url
    /// A URL Go's path cleaning left with one slash after the scheme (`https:/registry.example/v2/`, what
    /// `path.Join` and `path.Clean` make of a URL), read with two.
    case repairedURL
    /// containerd's resolver's logfmt `host` field (`trying next host`, `fetch failed`), when the URL is
    /// cut or missing: the host it asked, a mirror included.
    case hostField
    /// The registry of the image reference the line names, as the engines turn it into a host (`docker.io`
    /// is `registry-1.docker.io`; port 443 unless given), when the failing step was the registry's own
    /// (resolving or pinging) and nothing else names the host. The weakest: a mirror the engine was
    /// configured to ask instead is not in the line.
    case imageReference
    /// Not in the line: the line named no host, and the trace of the image it (or the kubelet's line for
    /// the same pull) named found this host failing (issue 19, item 2). Decided as any other endpoint.
    case trace
}
