/// Resolves an image the way the engines do — the registry's `/v2/`, the token server a 401 names, the
/// manifest (an index's platform manifest), the config blob, every redirect followed — and judges the
/// chain of every host met. Bounded: time limits per request, a few redirects at most, never a layer.
public protocol ImageTracer: Sendable {
    /// Throws only for a reference that names no valid registry; every network outcome is in the trace.
    func trace(_ reference: String, options: TraceOptions) async throws -> ImageTrace
}
