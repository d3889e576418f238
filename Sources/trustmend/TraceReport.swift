import TrustmendCore

/// What `trace --json` prints. Absent values are `null`, never left out: a reader tells "no chain" from
/// an old version's output by the key being there.
struct TraceReport: Encodable {
    var reference: String
    var registry: String
    var hops: [Hop]
    var end: End
    var failing: [Failing]

    struct Hop: Encodable {
        var host: String
        var port: UInt16
        var role: String
        var request: String
        var status: Int?
        var chain: [Certificate]
        var bundle: Verdict?
        var certsD: [String: Verdict]
        var problem: String?

        enum CodingKeys: String, CodingKey {
            case host, port, role, request, status, chain, bundle, problem
            case certsD = "certs_d"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(host, forKey: .host)
            try c.encode(port, forKey: .port)
            try c.encode(role, forKey: .role)
            try c.encode(request, forKey: .request)
            try c.encode(status, forKey: .status)
            try c.encode(chain, forKey: .chain)
            try c.encode(bundle, forKey: .bundle)
            try c.encode(certsD, forKey: .certsD)
            try c.encode(problem, forKey: .problem)
        }
    }

    struct Verdict: Encodable {
        var verifies: Bool
        var reason: String?

        init(_ verdict: TraceVerdict) {
            verifies = verdict.verifies
            reason = verdict.reason
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(verifies, forKey: .verifies)
            try c.encode(reason, forKey: .reason)
        }

        enum CodingKeys: String, CodingKey { case verifies, reason }
    }

    struct Certificate: Encodable {
        var subject: String
        var issuer: String
        var sha256: String
    }

    struct End: Encodable {
        var kind: String
        var detail: String
    }

    struct Failing: Encodable {
        var engine: String
        var host: String
        var port: UInt16
        var role: String
        var fix: String
    }

    init(_ trace: ImageTrace, failures: [TraceFailure]) {
        reference = trace.reference
        registry = trace.registry.directoryName
        hops = trace.hops.map { hop in
            Hop(
                host: hop.endpoint.host, port: hop.endpoint.port, role: hop.role.rawValue, request: hop.request, status: hop.status,
                chain: (hop.chain?.certificates ?? []).map { Certificate(subject: $0.subject, issuer: $0.issuer, sha256: $0.sha256) },
                bundle: hop.bundle.map(Verdict.init),
                certsD: Dictionary(uniqueKeysWithValues: hop.registryDirectories.map { ($0.key.rawValue, Verdict($0.value)) }),
                problem: hop.problem)
        }
        end = End(kind: Self.kind(trace.end), detail: Self.detail(trace.end))
        failing = failures.map {
            Failing(engine: $0.engine.rawValue, host: $0.hop.endpoint.host, port: $0.hop.endpoint.port, role: $0.hop.role.rawValue, fix: $0.registryRouteCommand)
        }
    }

    static func kind(_ end: TraceEnd) -> String {
        switch end {
        case .complete: "complete"
        case .needsCredentials: "needs-credentials"
        case .stopped: "stopped"
        }
    }

    static func detail(_ end: TraceEnd) -> String {
        switch end {
        case .complete: "the config blob was reached; every host a pull meets before the layers was asked"
        case .needsCredentials(let endpoint):
            "\(endpoint) wants credentials the trace does not send (a private registry); the hosts met before it are judged"
        case .stopped(let why): why
        }
    }
}

