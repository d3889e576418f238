import Foundation
import Testing

/// Issue 18, items 2 and 4, with the real binary: the daemon reloads a ConfigMap kubelet swaps, and
/// `trustmend health` follows what it reads.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct ConfigWatchProcessTests {
    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10]])

    @Test func aConfigMapSwapIsReloadedAndABadOneRefused() async throws {
        let mount = try AtomicWriterDirectory(path: root.file("/etc/trustmend"))
        try mount.publish(["config.yaml": "mode: report\n"])
        let daemon = try DaemonProcessTests.Daemon(root: root, config: mount.file("config.yaml"), journal: journal, bus: bus)
        try await eventually("the daemon starts") { daemon.text.contains("trustmend started") }

        try mount.publish(["config.yaml": "mode: enforce\nallow: [{host: \"localhost\"}]\n"])
        try await eventually("the reload", within: .seconds(60)) { daemon.text.contains("configuration reloaded: enforce mode, 1 allow rule") }
        try mount.publish(["config.yaml": "mode: sometimes\n"])
        try await eventually("the refusal", within: .seconds(60)) { daemon.text.contains("new configuration refused") }
        #expect(daemon.text.contains("sometimes"))
        #expect(daemon.text.components(separatedBy: "configuration reloaded").count == 2, "one reload: \(daemon.text.suffix(2000))")
        #expect(try await daemon.stop() == 0, "the watch ends with the daemon")
    }

    /// FACTS §22: a daemon on a journal without files is running and repairs nothing; the probe says so,
    /// and passes once there is a journal.
    @Test func healthFollowsTheJournal() async throws {
        try root.write("/etc/trustmend/config.yaml", "mode: report\n", mode: 0o644)
        let config = root.file("/etc/trustmend/config.yaml")
        let daemon = try DaemonProcessTests.Daemon(root: root, config: config, journal: journal, bus: bus)
        let health = { try CommandLineTests.run(["health", "--root", root.path, "--config", config]) }
        try await eventually("the probe says the journal is missing") {
            try health().stderr.contains("unhealthy: the journal is missing: no journal files in \(journal.directory)")
        }
        #expect(try health().status == 1)
        try journal.append([.init(message: "containerd started")])
        try await eventually("the probe passes") { try health().status == 0 }
        #expect(try health().stdout.hasPrefix("healthy: reading the journal"))
        #expect(try await daemon.stop() == 0)
        try await eventually("a stopped daemon's heartbeat goes stale", within: .seconds(60)) {
            try CommandLineTests.run(["health", "--root", root.path, "--config", config, "--max-age", "1"]).status == 1
        }
    }
}
