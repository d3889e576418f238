import Synchronization
import TrustmendCore

/// Traces in memory: each reference answers the trace it was given; any other ends `stopped`, as a
/// registry that does not answer does. Records every call, with its options.
public final class FakeImageTracer: ImageTracer {
    private let state = Mutex<(traces: [String: ImageTrace], calls: [(reference: String, options: TraceOptions)])>(([:], []))

    public init() {}

    /// Makes `trace(reference, …)` answer `trace`.
    public func answer(_ reference: String, with trace: ImageTrace) {
        state.withLock { $0.traces[reference] = trace }
    }

    /// The references traced so far, in order.
    public var traced: [String] { state.withLock { $0.calls.map(\.reference) } }

    /// The options of each call, in order.
    public var options: [TraceOptions] { state.withLock { $0.calls.map(\.options) } }

    public func trace(_ reference: String, options: TraceOptions) async throws -> ImageTrace {
        let canned = state.withLock { s in
            s.calls.append((reference, options))
            return s.traces[reference]
        }
        if let canned { return canned }
        let registry = try RegistryHost(reference: reference)
        let endpoint = try Endpoint(registryOf: reference)
        return ImageTrace(
            reference: reference, registry: registry,
            hops: [TraceHop(endpoint: endpoint, role: .registry, request: "GET /v2/", problem: "cannot connect to \(endpoint): Connection refused")],
            end: .stopped("\(endpoint.authority) did not answer"))
    }
}
