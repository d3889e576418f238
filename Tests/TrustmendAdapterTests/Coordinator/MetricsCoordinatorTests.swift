import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// The daemon's metrics file (issue 17, item 3) on fakes: written after start and after every batch
/// with what the batch did, taken away at shutdown, a failed write said once.
@Suite struct MetricsCoordinatorTests {
    typealias S = CoordinatorScenarios
    let rig = FakeRig()
    static let directory = Configuration.debianTextfileDirectory

    func file(_ directory: String = Self.directory) throws -> Exposition {
        try Exposition(try #require(rig.metrics.file(in: directory), "no trustmend.prom in \(directory)"))
    }

    @Test func theFileIsWrittenAtStartAndAfterEachBatchAndGoneAtShutdown() async throws {
        let a = try rig.server()
        let c = try rig.coordinator(S.allowLocalhost)
        await c.resume()
        var file = try self.file()
        #expect(file.value("trustmend_detections_total", ["unit": "containerd.service"]) == 0)
        #expect(file.value("trustmend_anchors", ["route": "system"]) == 0)
        #expect(file.value("trustmend_last_batch_timestamp_seconds") == nil)
        let started = try #require(file.value("trustmend_start_time_seconds"))

        await c.handle(S.failure(a.port))
        await c.handle(S.failure(a.port, host: "127.0.0.1"))  // outside the allow list: reported
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        file = try self.file()
        #expect(file.value("trustmend_detections_total", ["unit": "containerd.service"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 1)
        #expect(file.value("trustmend_restarts_total", ["unit": "containerd.service", "result": "completed"]) == 1)
        #expect(file.value("trustmend_reports_total") == 1)
        #expect(file.value("trustmend_anchors", ["route": "system"]) == 1, "from the ledger")
        let last = try #require(file.value("trustmend_last_batch_timestamp_seconds"))
        #expect(abs(last - started - 5) < 0.002, "the batch ended 5 s after the start, by the daemon's clock")

        // The same failure again: already trusted, containerd restarted since, so nothing owed.
        await c.handle(S.failure(a.port, position: "c2"))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        file = try self.file()
        #expect(file.value("trustmend_detections_total", ["unit": "containerd.service"]) == 2)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "already_trusted"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 1)

        await c.shutdown()
        #expect(rig.metrics.file(in: Self.directory) == nil, "a stopped daemon's counts are not left on show")
    }

    @Test func aFailedFetchIsAFailedRepairAndReportModeRepairsNothing() async throws {
        let c = try rig.coordinator(S.allowLocalhost)
        await c.handle(S.failure(rig.deadPort()))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(try file().value("trustmend_repairs_total", ["route": "system", "result": "failed"]) == 1)

        let report = FakeRig()
        let a = try report.server()
        let r = try report.coordinator { try S.allowLocalhost(&$0); $0.mode = .report }
        await r.handle(S.failure(a.port))
        report.clock.advance(by: .seconds(5))
        await r.settle()
        let file = try Exposition(try #require(report.metrics.file(in: Self.directory)))
        #expect(file.value("trustmend_reports_total") == 1, "what report mode would install is a report")
        #expect(file.samples.filter { $0.name == "trustmend_repairs_total" }.allSatisfy { $0.value == 0 })
    }

    @Test func theRegistryRouteIsCountedUnderItsName() async throws {
        let a = try rig.server()
        let c = try rig.coordinator(routeFacts: S.containerdReads, S.allowLocalhost)
        await c.handle(S.failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        let file = try file()
        #expect(file.value("trustmend_repairs_total", ["route": "registry", "result": "installed"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 0)
        #expect(file.value("trustmend_anchors", ["route": "registry"]) == 1)
    }

    @Test func anEmptyDirectoryWritesNothing() async throws {
        let a = try rig.server()
        let c = try rig.coordinator { try S.allowLocalhost(&$0); $0.metricsTextfileDirectory = "" }
        await c.resume()
        await c.handle(S.failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1)
        #expect(rig.metrics.writes == 0)
    }

    /// No node_exporter (its directory is not there): nothing written and nothing said. A directory the
    /// operator named that cannot be written: said once, repairs go on, and said again when it works.
    @Test func aFileThatCannotBeWrittenIsSaidOnceAndRepairsGoOn() async throws {
        let quiet = FakeRig()
        quiet.metrics.removeDirectory(Self.directory)
        let q = try quiet.coordinator { _ in }
        await q.resume()
        #expect(quiet.metrics.writes == 0)
        #expect(quiet.logs.with(event: "source-problem").isEmpty)

        let a = try rig.server()
        let b = try rig.server()
        let c = try rig.coordinator { try S.allowLocalhost(&$0); $0.metricsTextfileDirectory = "/srv/textfiles" }
        await c.resume()
        await c.handle(S.failure(a.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.anchors().count == 1, "the repair went on")
        let problems = rig.logs.with(event: "source-problem")
        #expect(problems.count == 1, "said once, not at each batch")
        #expect(problems.first?["file"] == "/srv/textfiles/trustmend.prom")

        rig.metrics.makeDirectory("/srv/textfiles")
        await c.handle(S.failure(b.port))
        rig.clock.advance(by: .seconds(5))
        await c.settle()
        #expect(rig.logs.with(event: "source-problem").count == 1)
        #expect(rig.logs.events.withLock { $0.contains { $0.message.contains("is written again") } })
        #expect(try file("/srv/textfiles").value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 2)
    }

    @Test func aReloadMovesTheFile() async throws {
        let c = try rig.coordinator(S.allowLocalhost)
        await c.resume()
        #expect(rig.metrics.file(in: Self.directory) != nil)
        rig.metrics.makeDirectory("/srv/textfiles")
        var new = try FakeRig.configuration(S.allowLocalhost)
        new.metricsTextfileDirectory = "/srv/textfiles"
        await c.reload(new)
        #expect(rig.metrics.file(in: Self.directory) == nil, "taken from where it was")
        #expect(rig.metrics.file(in: "/srv/textfiles") != nil)
    }
}
