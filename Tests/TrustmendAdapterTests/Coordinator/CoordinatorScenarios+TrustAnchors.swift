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

/// Issue 16, items 2 and 3, through the daemon: what an on-path attacker or a pod author's image name
/// can make it do once an allowed host is involved.
extension CoordinatorScenarios {
    /// A pull failure at `localhost:port` for an image of `image`'s registry (a token or CDN host's failure).
    static func failure(_ port: Int, image: String, position: String = "c") -> LogRecord {
        LogRecord(
            message: "level=error msg=\"PullImage \\\"\(image)\\\" failed\" error=\"failed to do request: Head \\\"https://localhost:\(port)/v2/app/manifests/1\\\": tls: failed to verify certificate: x509: certificate signed by unknown authority\"",
            origin: .journal(unit: "containerd.service", uid: 0), position: position)
    }

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
        #expect(ledger.entries.map(\.rule) == ["localhost"], "the ledger names the rule that allowed it")

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

    /// Item 3: the rule allowed `localhost`, the line names an image of registry.prod.example. With
    /// `route: registry` nothing is written under any certs.d (refused, naming the key to add); with
    /// `auto` the repair takes the system route, as every registry-route refusal does, saying why.
    static func aRegistryTheRuleDoesNotListIsNeverWritten(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: containerdReads) { $0.allow = [AllowRule(host: try HostPattern("localhost"), route: .registry)] }
        await repairBatch(c, rig, failure(a.port, image: "registry.prod.example/app:1"))
        #expect(rig.list("/etc/containerd/certs.d/registry.prod.example").isEmpty)
        #expect(rig.list("/etc/containerd/certs.d").isEmpty && rig.list("/etc/docker/certs.d").isEmpty)
        #expect(try rig.anchors().isEmpty && rig.ledger().entries.isEmpty)
        let refused = rig.logs.with(event: "refused")
        #expect(refused.count == 1 && refused.first?["why"]?.description.contains("registries") == true, "\(refused)")

        let b = try rig.server()
        let auto = try rig.coordinator(routeFacts: containerdReads, allowLocalhost)
        await repairBatch(auto, rig, failure(b.port, image: "registry.prod.example/app:1"))
        #expect(rig.list("/etc/containerd/certs.d").isEmpty)
        #expect(rig.anchors().count == 1)
        let installed = rig.logs.with(event: "installed")
        #expect(installed.count == 1 && installed.first?["route"] == "system")
        #expect(installed.first?["route_reason"]?.description.contains("registries") == true)
    }

    /// Item 3: a rule that lists the registry lets its token or CDN host's CA into that registry's
    /// directory, and the ledger records the rule.
    static func aRegistryTheRuleListsIsWrittenAndTheLedgerNamesTheRule(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: containerdReads) {
            $0.allow = [AllowRule(host: try HostPattern("localhost"), route: .registry, registries: [try RegistryHost(parsing: "registry.prod.example")])]
        }
        await repairBatch(c, rig, failure(a.port, image: "registry.prod.example/app:1"))
        #expect(rig.list("/etc/containerd/certs.d/registry.prod.example") == ["trustmend-\(a.anchorSHA256).crt"])
        let entry = try #require(try rig.ledger().entries.first)
        #expect(entry.host == "localhost" && entry.registry == "registry.prod.example" && entry.rule == "localhost")
    }
}
