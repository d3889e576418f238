import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
import TrustmendTesting

/// Pending repairs of lines from log files (`sources.files`) across a crash (issue 16, item 17). They
/// were re-queued as journal entries of a unit named after the engine ("containerd"), which the policy
/// refuses: the repair was dropped.
extension CoordinatorScenarios {
    static let logFile = "/var/log/engines.log"

    static func fileFailure(_ port: Int, offset: UInt64 = 100) -> LogRecord {
        LogRecord(message: failure(port).message, origin: .file(path: logFile), position: FilePosition(device: 1, inode: 2, offset: offset).encoded)
    }

    /// A log file's line repairs only under a pinned rule: this one pins the server's anchor.
    static func followingTheLogFile(pinning sha256: String) -> (inout Configuration) throws -> Void {
        { config in
            config.allow = [AllowRule(host: try HostPattern("localhost"), sha256: [sha256])]
            config.files = [logFile]
        }
    }

    static func aPendingRepairFromALogFileSurvivesACrash(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        do {
            let c = try rig.coordinator(followingTheLogFile(pinning: a.anchorSHA256))
            await c.handle(fileFailure(a.port))
            // The process dies here: no flush.
        }
        let state = try rig.state()
        #expect(state.pending.map(\.file) == [logFile] && state.files[logFile]?.offset == 100)
        let restarted = try rig.coordinator(followingTheLogFile(pinning: a.anchorSHA256))
        await restarted.resume()
        #expect(rig.anchors() == ["trustmend-\(a.anchorSHA256).crt"], "redone after the crash")
        #expect(try rig.state().pending.isEmpty)
        #expect(rig.logs.with(event: "installed").count == 1)
    }

    /// Decided again as a line from that file: not redone once the file is no longer followed, and only
    /// reported once its rule no longer pins the anchor.
    static func aResumedLogFileRepairIsDecidedAsTheFilesLine(_ rig: some CoordinatorRig) async throws {
        let a = try rig.server()
        do {
            let c = try rig.coordinator(followingTheLogFile(pinning: a.anchorSHA256))
            await c.handle(fileFailure(a.port))
        }
        let unfollowed = try rig.coordinator { config in
            try followingTheLogFile(pinning: a.anchorSHA256)(&config)
            config.files = []
        }
        await unfollowed.resume()
        #expect(try rig.anchors().isEmpty && rig.state().pending.isEmpty)

        do {
            let c = try rig.coordinator(followingTheLogFile(pinning: a.anchorSHA256))
            await c.handle(fileFailure(a.port, offset: 200))
        }
        let unpinned = try rig.coordinator { config in
            try followingTheLogFile(pinning: a.anchorSHA256)(&config)
            config.allow = [AllowRule(host: try HostPattern("localhost"))]
        }
        await unpinned.resume()
        #expect(rig.anchors().isEmpty, "an unpinned rule only reports a file's line, after a crash too")
        #expect(rig.logs.with(event: "reported").count == 1)
    }
}

/// The log-file scenarios on the fakes and on the real components.
@Suite struct LogFilePendingRepairTests {
    typealias S = CoordinatorScenarios

    @Test func aPendingRepairFromALogFileSurvivesACrash() async throws { try await S.aPendingRepairFromALogFileSurvivesACrash(FakeRig()) }
    @Test func aResumedLogFileRepairIsDecidedAsTheFilesLine() async throws { try await S.aResumedLogFileRepairIsDecidedAsTheFilesLine(FakeRig()) }

    @Test(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
    func aPendingRepairFromALogFileSurvivesACrashOnTheRealComponents() async throws {
        try await S.aPendingRepairFromALogFileSurvivesACrash(BusRig())
    }
}
