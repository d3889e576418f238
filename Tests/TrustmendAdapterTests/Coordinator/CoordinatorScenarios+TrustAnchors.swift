import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// A rig whose servers can change their CA: the same endpoint, another chain.
protocol RotatingRig: CoordinatorRig {
    /// `server`'s endpoint now presents the leaf and intermediate of another CA.
    func rotate(_ server: RigServer) throws -> RigServer
}

extension FakeRig: RotatingRig {
    func rotate(_ server: RigServer) throws -> RigServer {
        let chain = try TestChain(name: "localhost")
        fetcher.serve([chain.leaf, chain.intermediate], at: try Endpoint(host: "localhost", port: server.port))
        return RigServer(port: server.port, anchorSHA256: chain.intermediate.sha256)
    }
}

extension BusRig: RotatingRig {
    func rotate(_ server: RigServer) throws -> RigServer {
        (server.keepAlive as? ServerAndPKI)?.server.stop()
        let pki = try TestPKI()
        let replacement = try TestServer.tls(pki: pki, port: server.port)
        return RigServer(port: server.port, anchorSHA256: try pki.sha256("int.pem"), keepAlive: ServerAndPKI(server: replacement, pki: pki))
    }
}

/// Issue 16, item 2, through the daemon: what an on-path attacker can make it do once an allowed host
/// was repaired.
extension CoordinatorScenarios {
    static func repairBatch(_ c: RepairCoordinator<ManualClock>, _ rig: some CoordinatorRig, _ record: LogRecord) async {
        await c.handle(record)
        rig.clock.advance(by: .seconds(5))
        await c.settle()
    }

    /// Item 2: an unpinned endpoint repaired once, then presenting another CA (one induced failure):
    /// refused as `anchor-changed` with both fingerprints and the command; nothing written, the ledger
    /// as it was. Report mode says it would refuse, for the same reason.
    static func aChangedAnchorIsRefusedAndLoggedWithBothFingerprints(_ rig: some RotatingRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(allowLocalhost)
        await repairBatch(c, rig, failure(a.port, position: "c1"))
        #expect(rig.anchors().count == 1)
        let ledger = try rig.ledger()

        let b = try rig.rotate(a)
        await repairBatch(c, rig, failure(a.port, position: "c2"))
        #expect(rig.anchors().count == 1, "nothing written")
        #expect(try rig.ledger() == ledger)
        #expect(rig.logs.with(event: "installed").count == 1)
        let changed = rig.logs.with(event: "anchor-changed")
        try #require(changed.count == 1, "\(rig.logs.with(event: "installed"))")
        #expect(changed[0]["message_id"] == "7d1f0b9e4c2a4f6e9a51c0d3e2b8a613")
        #expect(changed[0]["sha256"]?.description == b.anchorSHA256)
        #expect(changed[0]["installed_sha256"]?.description == a.anchorSHA256)
        #expect(changed[0]["command"]?.description == "trustmend fix localhost:\(a.port) --expect-sha256 \(b.anchorSHA256)")

        let report = try rig.coordinator {
            try allowLocalhost(&$0)
            $0.mode = .report
        }
        await repairBatch(report, rig, failure(a.port, position: "c3"))
        let reported = rig.logs.with(event: "anchor-changed")
        #expect(reported.count == 2 && reported.last?["installed_sha256"]?.description == a.anchorSHA256)
        #expect(rig.logs.with(event: "reported").isEmpty, "report mode does not say it would install")
        #expect(rig.anchors().count == 1)
    }
}
