import Testing
import TrustmendCore
import TrustmendDaemon

/// Issue 17, item 5: the `detected` event says how the line named the endpoint (`TRUSTMEND_ENDPOINT_FROM`),
/// so an endpoint read from a host field or an image reference is told apart from one read from a URL.
@Suite struct EndpointFromEventTests {
    /// containerd's resolver line with the URL cut: the endpoint comes from its `host` field.
    static func hostFieldFailure(_ port: Int) -> LogRecord {
        LogRecord(
            message: #"level=info msg="trying next host" error="failed to do request: Head \"https://…/v2/app/manifests/1\": tls: failed to verify certificate: x509: certificate signed by unknown authority" host="localhost:\#(port)""#,
            origin: .journal(unit: "containerd.service", uid: 0), position: "c1")
    }

    @Test func theDetectedEventSaysHowTheEndpointWasFound() async throws {
        let rig = FakeRig()
        let cut = try rig.server()
        let whole = try rig.server()
        let c = try rig.coordinator(CoordinatorScenarios.allowLocalhost)
        await c.handle(Self.hostFieldFailure(cut.port))
        await c.handle(CoordinatorScenarios.failure(whole.port, position: "c2"))
        let detected = rig.logs.with(event: "detected")
        #expect(detected.count == 2)
        let byPort = Dictionary(detected.map { ($0["port"]?.description ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPort["\(cut.port)"]?["endpoint_from"]?.description == "hostField")
        #expect(byPort["\(cut.port)"]?["host"]?.description == "localhost")
        #expect(byPort["\(whole.port)"]?["endpoint_from"]?.description == "url")
        // containerd.service logged the resolver's line: containerd printed it, though its words alone
        // ("trying next host") read as ctr's.
        #expect(byPort["\(cut.port)"]?["engine"]?.description == "containerd")

        // And the repair goes ahead as for any other endpoint.
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 2)
    }
}
