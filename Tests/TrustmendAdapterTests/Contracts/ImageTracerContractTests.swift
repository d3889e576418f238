import Testing
import TrustmendCore
import TrustmendTLS
import TrustmendTesting

/// What the daemon relies on of an `ImageTracer`, one body per rule: only a reference with no valid
/// registry throws; a registry that does not answer is a result (`stopped`, its hop without a chain), so
/// the daemon reports it and installs nothing. `FakeImageTracer` and `RegistryImageTracer` (the real
/// walk, over loopback) are both held to it.
@Suite struct ImageTracerContractTests {
    struct Subject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var tracer: any ImageTracer
    }

    static let subjects = [
        Subject(testDescription: "FakeImageTracer", tracer: FakeImageTracer()),
        Subject(testDescription: "RegistryImageTracer", tracer: RegistryImageTracer { _ in TraceAnchors(bundlePEM: "") }),
    ]
    static let options = TraceOptions(fetch: FetchOptions(connectTimeout: .seconds(2), handshakeTimeout: .seconds(2)), platform: "linux/amd64")

    @Test(arguments: subjects)
    func aReferenceWithNoValidRegistryThrows(_ subject: Subject) async {
        await #expect(throws: (any Error).self) { try await subject.tracer.trace("bad host!.example/app:1", options: Self.options) }
    }

    @Test(arguments: subjects)
    func aRegistryThatDoesNotAnswerIsAResult(_ subject: Subject) async throws {
        let reference = "127.0.0.1:\(freePort())/team/app:1"
        let trace = try await subject.tracer.trace(reference, options: Self.options)
        #expect(trace.reference == reference)
        #expect(trace.registry == (try RegistryHost(reference: reference)))
        guard case .stopped = trace.end else {
            Issue.record("ended \(trace.end)")
            return
        }
        #expect(trace.hops.first?.role == .registry && trace.hops.first?.chain == nil)
        #expect(trace.firstFailing() == nil, "a host that presented no chain is not one an anchor repairs")
    }
}
