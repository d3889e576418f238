import Foundation
import Logging
import Testing
import TrustmendSystemd
@testable import trustmend

/// Issue 17, item 1: outside systemd, `trustmend run` prints each line as `LEVEL: sentence`, the sentence
/// the journal's MESSAGE carries (EventSentenceTests compose each one), with no fields unless --verbose.
/// The real binary following a real journal file, a loopback TLS registry, the real update-ca-certificates
/// on a sandbox root, and the systemd stand-in on a private bus.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct DaemonSentenceTests {
    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])

    func config() throws -> String {
        try root.write(
            "/etc/trustmend/config.yaml", "mode: enforce\nallow:\n  - host: localhost\ndebounce: 1s\nfetch:\n  proxy: none\n", mode: 0o644)
        return root.file("/etc/trustmend/config.yaml")
    }

    @Test func aRepairAndAHostOutsideTheAllowListReadAsSentences() async throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let port = server.port
        // A JOURNAL_STREAM inherited from a unit whose stderr this process does not have: not the journal.
        let daemon = try DaemonProcessTests.Daemon(
            root: root, config: try config(), journal: journal, bus: bus, verbose: false, journalStream: "8:12345")
        try await eventually("the start") { daemon.text.contains("notice: trustmend started: enforce mode, 1 allow rule, distro debian") }

        try journal.append([
            .init(message: DaemonProcessTests.failure(port)), .init(message: DaemonProcessTests.failure(port, host: "127.0.0.1")),
        ])
        try await eventually("the restart") { daemon.text.contains("notice: containerd.service restarted") }
        try await eventually("the report") { daemon.text.contains("warning: 127.0.0.1:") }
        #expect(try await daemon.stop() == 0)

        let lines = daemon.text.split(separator: "\n").map(String.init)
        func line(_ start: String) -> String? { lines.first { $0.hasPrefix(start) } }
        let shown = "\(daemon.text.suffix(4000))"
        #expect(lines.allSatisfy { (try? #/(trace|debug|info|notice|warning|error|critical): \S/#.prefixMatch(in: $0)) != nil }, "\(shown)")
        #expect(!lines.contains { $0.contains(" | ") || $0.contains("event=") || $0.contains("message_id=") }, "no fields without --verbose: \(shown)")

        #expect(
            line("info: containerd failed to pull localhost:\(port)/app:1: the certificate of localhost:\(port) is signed by an unknown authority")
                != nil, "\(shown)")
        let installed = try #require(line("notice: installed the anchor of localhost:\(port), "), "\(shown)")
        let sha = try pki.sha256("int.pem")
        #expect(installed.contains("\"CN=Trustmend Test Issuing CA\" (sha256 \(sha.prefix(16))…)"), "\(installed)")
        // The whole fingerprint appears only in the file's name (trustmend-<64 hex>.crt).
        let file = "/usr/local/share/ca-certificates/trustmend-\(sha).crt"
        #expect(installed.contains(file), "\(installed)")
        #expect(!installed.replacingOccurrences(of: file, with: "").contains(sha), "the sentence shows the fingerprint's first 16 digits: \(installed)")
        #expect(installed.hasSuffix(" on the system route; to take it out again: trustmend remove localhost:\(port)"), "\(installed)")
        let verified = try #require(line("notice: the chain of localhost:\(port) now verifies against "), "\(shown)")
        #expect(verified.contains("ca-certificates.crt; containerd.service must restart to load it"), "\(verified)")
        #expect(line("notice: restarting containerd.service so that it loads the new trusted roots") != nil, "\(shown)")
        #expect(lines.contains(
            "warning: 127.0.0.1:\(port) is not in the allow list: not trusted; to check it: trustmend fix 127.0.0.1:\(port) --dry-run"), "\(shown)")
        #expect(line("notice: trustmend stopped") != nil, "\(shown)")
    }
}

/// Which backend the daemon picks, and what its stderr lines look like.
@Suite struct StandardErrorLineTests {
    @Test func aLineIsTheLevelAndTheSentenceWithTheFieldsOnlyWhenAsked() {
        #expect(StandardErrorLogHandler.line(level: .warning, message: "a.example:443 is not in the allow list", fields: [:])
            == "warning: a.example:443 is not in the allow list")
        let line = StandardErrorLogHandler.line(
            level: .notice, message: "installed \u{1b}[2J", fields: ["subject": "CN=\u{7}Corp", "host": "a.example"])
        #expect(line == "notice: installed \\u{1b}[2J | host=a.example subject=CN=\\u{7}Corp")
    }

    /// systemd.exec(5): JOURNAL_STREAM is stderr's `device:inode`; anything else is not the journal.
    @Test(arguments: [("8:12345", true), ("8:12346", false), ("9:12345", false), ("", false), ("8", false), ("8:12345:1", false), ("x:y", false)])
    func journalStreamNamesStandardErrorsDeviceAndInode(value: String, matches: Bool) {
        #expect(JournalLogHandler.stream(value, is: 8, 12345) == matches)
    }

    @Test func withoutJournalStreamOrWithAnotherFilesItIsNotTheJournal() {
        #expect(!JournalLogHandler.standardErrorIsJournal(nil))
        #expect(!JournalLogHandler.standardErrorIsJournal("0:0"))
    }
}
