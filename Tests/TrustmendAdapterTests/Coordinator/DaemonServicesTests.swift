import Foundation
import Logging
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// The daemon's services on fakes: a journal entry through the source service, the coordinator and
/// the repair to one restart; the watchdog's pings.
@Suite struct DaemonServicesTests {
    @Test(.timeLimit(.minutes(1))) func aJournalEntryIsRepairedAndTheEngineRestartedOnce() async throws {
        let rig = FakeRig()
        let server = try rig.server()
        let journal = FakeJournalSource()
        let coordinator = try rig.coordinator(CoordinatorScenarios.allowLocalhost)
        let configuration = try FakeRig.configuration(CoordinatorScenarios.allowLocalhost)
        let sources = SourceService(
            coordinator: coordinator, journal: journal, files: nil, configuration: { configuration }, clock: rig.clock, logger: rig.logger())
        let running = Task { try await sources.run() }
        let line = CoordinatorScenarios.failure(server.port).message
        journal.append([
            .init(message: line, unit: "containerd.service"),
            .init(message: line, unit: "containerd.service", uid: 1000),  // forged: not read
            .init(message: line, unit: "containerd.service"),
        ])
        try await eventually("both entries read") { await coordinator.journalCursor == "fake;i=2" }
        rig.clock.advance(by: .seconds(5))
        try await eventually("the restart") { try rig.restarts().count == 1 }
        running.cancel()
        _ = await running.result
        #expect(rig.anchors().count == 1)
        #expect(rig.logs.with(event: "detected").count == 1, "the same failure twice is queued once")
        #expect(try rig.restarts() == [["containerd.service", "replace"]])
        #expect(try rig.state().journalCursor == "fake;i=2" && rig.state().pending.isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func theWatchdogIsPingedAtHalfItsInterval() async throws {
        let notifier = FakeServiceNotifier(watchdogInterval: .milliseconds(100))
        let running = Task { try await WatchdogService(notifier: notifier).run() }
        try await eventually("three pings") { notifier.notifications.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        running.cancel()
        _ = await running.result
        #expect(notifier.notifications.allSatisfy { $0 == "WATCHDOG=1" })
    }

    @Test(.timeLimit(.minutes(1))) func withoutAWatchdogNothingIsSent() async throws {
        let notifier = FakeServiceNotifier()
        // It waits for the shutdown (here: the cancellation) and sends nothing meanwhile.
        let running = Task { try await WatchdogService(notifier: notifier).run() }
        try await Task.sleep(for: .milliseconds(200))
        running.cancel()
        _ = await running.result
        #expect(notifier.notifications.isEmpty)
    }
}
