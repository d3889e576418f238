import TrustmendCore

/// Traces an image over the network: `RegistryWalk`'s requests sent with `OpenSSLHTTPSExchange`, each
/// host's chain judged with `verifier` against the bundle and each engine's `certs.d/<registry>` alone.
/// It judges, never trusts: by default a chain that does not verify is still asked the next request (that
/// is how the CLI shows the host after it), unless `TraceOptions.stopWhereRefusedBy` ends the walk there as
/// the engine's pull ends; nothing secret is ever sent (the walk's anonymous tokens only).
public struct RegistryImageTracer: ImageTracer {
    let verifier: any ChainVerifier
    let exchange: OpenSSLHTTPSExchange
    /// The anchors for an image's registry, read when a trace starts (the bundle may have changed since
    /// the last one).
    let anchors: @Sendable (RegistryHost) -> TraceAnchors

    public init(
        verifier: any ChainVerifier = OpenSSLChainVerifier(), exchange: OpenSSLHTTPSExchange = OpenSSLHTTPSExchange(),
        anchors: @escaping @Sendable (RegistryHost) -> TraceAnchors
    ) {
        self.verifier = verifier
        self.exchange = exchange
        self.anchors = anchors
    }

    /// Throws `ImageReferenceError` for a reference that is not one; every network outcome is in the trace.
    public func trace(_ reference: String, options: TraceOptions) async throws -> ImageTrace {
        let image = try ImageReference(parsing: reference)
        let trust = anchors(image.registry)
        var walk = RegistryWalk(reference: image, options: options)
        var hops: [TraceHop] = []
        var judged: [[String]: (TraceVerdict, [RegistryEngine: TraceVerdict])] = [:]
        while let request = walk.next {
            if Task.isCancelled {
                walk.noAnswer("the trace was cancelled")
                break
            }
            var hop = TraceHop(endpoint: request.endpoint, role: request.role, request: request.summary)
            let fetch: FetchOptions
            do { fetch = try options.fetchOptions(for: request.endpoint) } catch {
                hop.problem = "the proxy setting cannot be used: \(error)"
                hops.append(hop)
                walk.noAnswer(hop.problem!)
                continue
            }
            let outcome = await exchange.exchange(request, options: fetch, responseTimeout: options.responseTimeout)
            hop.status = outcome.response?.status
            hop.chain = outcome.chain
            hop.problem = outcome.problem
            if let chain = outcome.chain {
                let key = chain.certificates.map(\.sha256)
                let verdicts = judged[key] ?? judge(chain, trust)
                judged[key] = verdicts
                (hop.bundle, hop.registryDirectories) = verdicts
            }
            hops.append(hop)
            if let view = options.stopWhereRefusedBy, hop.refused(by: view) {
                walk.noAnswer("the trace stops where the pull stops: \(request.endpoint)'s chain is refused, and what it answers is not followed")
                break
            }
            if let response = outcome.response {
                walk.consume(response)
            } else {
                walk.noAnswer(outcome.problem ?? "no answer")
            }
        }
        return ImageTrace(reference: reference, registry: image.registry, hops: hops, end: walk.end ?? .stopped("the trace ended early"))
    }

    func judge(_ chain: PeerChain, _ trust: TraceAnchors) -> (TraceVerdict, [RegistryEngine: TraceVerdict]) {
        let bundle = verdict { try verifier.verify(chain, againstBundle: trust.bundlePEM, extraAnchors: []) }
        var directories: [RegistryEngine: TraceVerdict] = [:]
        for (engine, anchors) in trust.registryDirectories {
            directories[engine] = verdict { try verifier.verify(chain, againstBundle: "", extraAnchors: anchors) }
        }
        return (bundle, directories)
    }

    func verdict(_ check: () throws -> Void) -> TraceVerdict {
        do {
            try check()
            return .verified
        } catch let error as VerificationError {
            return TraceVerdict(verifies: false, reason: error.reason)
        } catch {
            return TraceVerdict(verifies: false, reason: "\(error)")
        }
    }
}
