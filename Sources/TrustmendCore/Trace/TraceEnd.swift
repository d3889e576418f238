/// How a trace ended. Each is a result: the TLS answer for every host met is in the hops either way.
public enum TraceEnd: Sendable, Hashable {
    /// The walk reached the image's config blob (the download engines make first), every redirect followed.
    case complete
    /// The registry wants credentials the trace does not have: a 401 with no token service, or a token
    /// refused. The hosts met so far are still judged.
    case needsCredentials(Endpoint)
    /// Something ended the walk early: a host that did not answer, too many redirects, a manifest the
    /// registry does not have, an answer that is not the distribution API. Says what, for an operator.
    case stopped(String)
}
