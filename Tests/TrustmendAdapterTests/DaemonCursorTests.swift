import Foundation
import Testing
import TrustmendSources

/// `trustmend run`'s saved journal cursor with the reader's fast path (issue 17, item 6): entries passed
/// over still move it, so a restart does not read them again, and a failure is never behind it undecided.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct DaemonCursorTests {
    typealias Daemon = DaemonProcessTests.Daemon
    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10]])

    var savedCursor: String? {
        guard let data = FileManager.default.contents(atPath: root.file("/var/lib/trustmend/state.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["journalCursor"] as? String
    }

    /// The cursor of the journal's last entry of the engine units, read without the fast path.
    func lastCursor(entries: Int) async throws -> String {
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let records = try await JournalSourceTests.take(entries, from: source.follow(units: ["containerd.service"], after: nil, lookBack: .seconds(600)))
        return try #require(records.last?.position)
    }

    @Test func entriesPassedOverMoveTheSavedCursorAndAFailureIsDecidedOnce() async throws {
        let config = root.file("/etc/trustmend/config.yaml")
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow: [{host: \"elsewhere.example\"}]\ndebounce: 200ms\nfetch: {proxy: none}\n", mode: 0o644)
        let noise = (0..<300).map { JournalWriter.Entry(message: "level=info msg=\"shim disconnected\" id=\($0)") }
        try journal.append([.init(message: DaemonProcessTests.failure(9, host: "127.0.0.1"))] + noise)

        let first = try Daemon(root: root, config: config, journal: journal, bus: bus)
        try await eventually("the failure is decided") { first.text.contains("127.0.0.1:9") }
        #expect(try await first.stop() == 0)
        #expect(savedCursor == (try await lastCursor(entries: 301)), "the saved cursor is the last noise entry's")

        // The next start reads nothing again: the failure, already decided, is not decided twice.
        let second = try Daemon(root: root, config: config, journal: journal, bus: bus)
        try await eventually("the second daemon starts") { second.text.contains("trustmend started") }
        try journal.append([.init(message: DaemonProcessTests.failure(8, host: "127.0.0.1"))])
        try await eventually("the new failure is decided") { second.text.contains("127.0.0.1:8") }
        #expect(!second.text.contains("127.0.0.1:9"), "\(second.text.suffix(1500))")
        #expect(try await second.stop() == 0)
    }
}
