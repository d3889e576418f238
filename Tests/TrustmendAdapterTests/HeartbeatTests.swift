import Foundation
import Testing
import TrustmendCore
import TrustmendDaemon
@testable import TrustmendSources
import TrustmendStore
import TrustmendTesting

/// Issue 18, item 2: the heartbeat the daemon writes and `trustmend health`, the livenessProbe, reads.
@Suite(.timeLimit(.minutes(2)))
struct HeartbeatTests {
    let root = try! SandboxRoot()
    var stateDirectory: String { root.file("/var/lib/trustmend") }

    init() throws {
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\n", mode: 0o644)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    }

    func health(_ extra: [String] = []) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["health", "--root", root.path, "--config", root.file("/etc/trustmend/config.yaml")] + extra)
    }

    func writer(_ status: SourceStatus, missing: String? = nil) -> HeartbeatWriter {
        let directory = stateDirectory
        return HeartbeatWriter(
            status: status, journalMissing: { missing }, write: { try HeartbeatFile.write($0, in: directory) }, interval: .milliseconds(50))
    }

    @Test func theWatchdogServiceWritesTheReadersStateWithoutAServiceManager() async throws {
        let status = SourceStatus()
        status.set(.reading(cursor: "s=abc;i=1"))
        let running = Task { try await WatchdogService(notifier: FakeServiceNotifier(), heartbeat: writer(status)).run() }
        try await eventually("a heartbeat") { HeartbeatFile.read(in: stateDirectory).flatMap(Heartbeat.init(text:))?.state == .reading(cursor: "s=abc;i=1") }
        status.set(.failing("cannot read the journal: Bad message"))
        try await eventually("the next one") { HeartbeatFile.read(in: stateDirectory)?.contains("Bad message") == true }
        running.cancel()
        _ = await running.result
    }

    /// A reader waiting at the end of a journal that has no files is waiting for nothing.
    @Test func aReaderOnAJournalWithoutFilesIsMissingIt() {
        let status = SourceStatus()
        status.set(.reading(cursor: nil))
        #expect(writer(status, missing: "no journal files in /j").beat(at: Date()).state == .missing("no journal files in /j"))
        status.set(.off)
        #expect(writer(status, missing: "no journal files in /j").beat(at: Date()).state == .off, "no journal is read: none is missing")
    }

    @Test func journalFilesAreFoundInTheDirectoryOrAMachineSubdirectory() throws {
        let directory = root.file("/var/log/journal")
        try FileManager.default.createDirectory(atPath: directory + "/0123456789abcdef0123456789abcdef", withIntermediateDirectories: true)
        #expect(JournalPresence.missing(at: .directory(directory)) == "no journal files in \(directory)")
        #expect(JournalPresence.missing(at: .directory(root.file("/nowhere"))) != nil)
        FileManager.default.createFile(atPath: directory + "/0123456789abcdef0123456789abcdef/system.journal", contents: Data())
        #expect(JournalPresence.missing(at: .directory(directory)) == nil)
    }

    /// The system journal is this machine's: files under another machine-id (a pod without the node's
    /// /etc/machine-id) are not read, and so are no journal.
    @Test func theSystemJournalIsThisMachinesFiles() throws {
        let places = [root.file("/var/log/journal"), root.file("/run/log/journal")]
        let id = "0123456789abcdef0123456789abcdef"
        #expect(JournalPresence.missing(system: places, machineID: id)?.hasPrefix("no journal files in \(places[0]) or \(places[1])") == true)
        try FileManager.default.createDirectory(atPath: places[1] + "/fedcba9876543210fedcba9876543210", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: places[1] + "/fedcba9876543210fedcba9876543210/system.journal", contents: Data())
        #expect(JournalPresence.missing(system: places, machineID: id)?.contains("another machine's, not of machine-id \(id)") == true)
        #expect(JournalPresence.missing(system: places, machineID: nil) == nil, "without a machine-id any file counts")
        try FileManager.default.createDirectory(atPath: places[1] + "/" + id, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: places[1] + "/" + id + "/system.journal", contents: Data())
        #expect(JournalPresence.missing(system: places, machineID: id) == nil)
    }

    @Test func healthPassesOnAFreshHeartbeat() throws {
        try HeartbeatFile.write(Heartbeat(at: Date(), state: .reading(cursor: "s=abc")), in: stateDirectory)
        let r = try health()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("healthy: reading the journal at cursor s=abc"), "\(r.stdout)")
    }

    @Test func healthFailsOnAStaleHeartbeat() throws {
        try HeartbeatFile.write(Heartbeat(at: Date().addingTimeInterval(-100), state: .reading(cursor: "s=abc")), in: stateDirectory)
        let r = try health()
        #expect(r.status == 1)
        #expect(r.stderr.contains("more than 30 s") && r.stderr.contains("stopped or hung"), "\(r.stderr)")
        #expect(try health(["--max-age", "600"]).status == 0, "--max-age moves the limit")
    }

    @Test func healthFailsWithoutAHeartbeat() throws {
        let r = try health()
        #expect(r.status == 1)
        #expect(r.stderr.contains("no heartbeat at \(stateDirectory)/heartbeat"), "\(r.stderr)")
    }

    @Test func healthFailsWhenTheJournalIsMissing() throws {
        try HeartbeatFile.write(Heartbeat(at: Date(), state: .missing("no journal files in /var/log/journal or /run/log/journal")), in: stateDirectory)
        let r = try health()
        #expect(r.status == 1)
        #expect(r.stderr.contains("unhealthy: the journal is missing"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
    }
}
