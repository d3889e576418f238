import Foundation
import Testing
import TrustmendTesting

/// `trustmend run` killed with SIGKILL at a random moment of a batch of repairs, then started again,
/// trial after trial: the anchor directory, the bundle and the ledger must agree after every restart, and
/// each repair must complete exactly once.
///
/// Trials: `TRUSTMEND_CRASH_TRIALS` (default 6, what `swift test` runs); `Tests/scripts/crash.sh` runs
/// 100 or more. The seed of each trial is printed with any failure, and `TRUSTMEND_CRASH_SEED` replays it.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct CrashConsistencyTests {
    typealias Daemon = DaemonProcessTests.Daemon

    static let trials = Int(ProcessInfo.processInfo.environment["TRUSTMEND_CRASH_TRIALS"] ?? "") ?? 6
    static let firstSeed = UInt64(ProcessInfo.processInfo.environment["TRUSTMEND_CRASH_SEED"] ?? "") ?? UInt64.random(in: 1...1_000_000)

    /// Three registries with CAs of their own, shared by every trial (minting is the slow part).
    let servers: [(pki: TestPKI, server: TestServer)]

    init() throws {
        servers = try (0..<3).map { _ in
            let pki = try TestPKI()
            return (pki, try TestServer.tls(pki: pki))
        }
    }

    @Test(.timeLimit(.minutes(30))) func killedAtRandomMomentsTheStoreStaysConsistent() async throws {
        var kills: [String] = []
        for trial in 0..<Self.trials {
            let seed = Self.firstSeed &+ UInt64(trial)
            kills.append(try await run(seed: seed))
        }
        print("crash consistency: \(Self.trials) trials, killed at \(kills.joined(separator: ", "))")
    }

    /// One trial; returns when (in ms after the failures were logged) the first daemon was killed.
    func run(seed: UInt64) async throws -> String {
        var random = SplitMix(seed: seed)
        let root = try SandboxRoot()
        let journal = try JournalWriter()
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 10]])
        let config = root.file("/etc/trustmend/config.yaml")
        try root.write(
            "/etc/trustmend/config.yaml",
            """
            mode: enforce
            allow:
              - host: localhost
            debounce: 200ms
            restart:
              min_interval: 1s
            fetch:
              proxy: none
            """, mode: 0o644)
        let context = "seed \(seed) (TRUSTMEND_CRASH_SEED=\(seed) replays it)"

        let first = try Daemon(root: root, config: config, journal: journal, bus: bus)
        try await eventually("the first daemon starts") { first.text.contains("trustmend started") }
        // Each registry fails twice (the engine retries), and a host outside the policy once.
        let failures = servers.flatMap { [DaemonProcessTests.failure($0.server.port), DaemonProcessTests.failure($0.server.port)] }
        try journal.append(failures.map { .init(message: $0) } + [.init(message: DaemonProcessTests.failure(9, host: "127.0.0.1"))])
        // A batch here takes about 0.2 s of debounce, three fetches, one update-ca-certificates run and a
        // verification: kill anywhere in the first 1.5 s.
        let delay = Int(random.next() % 1500)
        try await Task.sleep(for: .milliseconds(delay))
        kill(first.process.processIdentifier, SIGKILL)
        try await eventually("the first daemon is gone") { !first.process.isRunning }  // not waitUntilExit: it blocks a pool thread

        let second = try Daemon(root: root, config: config, journal: journal, bus: bus)
        // Done: every registry installed, containerd restarted, nothing owed, and it stays so for 2 s (more
        // than the debounce and the minimum restart interval: entries read late are decided by then).
        var doneSince: ContinuousClock.Instant?
        try await eventually("every registry repaired after the restart, \(context)", within: .seconds(90)) {
            let ledger = self.ledger(root)
            let restarted = try bus.calls("RestartUnit").count >= 1
            let done = ledger.count == 3 && ledger.allSatisfy { $0["state"] as? String == "installed" } && restarted
                && self.restartsOwed(root) == 0
            if !done { doneSince = nil } else if doneSince == nil { doneSince = .now }
            return doneSince.map { ContinuousClock.now - $0 > .seconds(2) } ?? false
        }
        if doneSince == nil {
            let keep = NSTemporaryDirectory() + "trustmend-crash-\(seed)"
            try? FileManager.default.copyItem(atPath: first.log, toPath: keep + "-first.log")
            try? FileManager.default.copyItem(atPath: second.log, toPath: keep + "-second.log")
            Issue.record("\(context), killed at \(delay) ms: the daemons' logs are \(keep)-first.log and \(keep)-second.log")
        }
        // An entry logged now is decided by the second daemon: nothing was left stuck.
        try journal.append([.init(message: DaemonProcessTests.failure(8, host: "127.0.0.1"))])
        try await eventually("the new entry is reported, \(context)") { second.text.contains("127.0.0.1:8") }
        #expect(try await second.stop() == 0, "\(context): \(second.text.suffix(1500))")

        // The ledger, the anchor directory and the bundle agree.
        let ledger = self.ledger(root)
        let files = Set(ledger.flatMap { $0["files"] as? [String] ?? [] })
        let anchors = Set(root.list("/usr/local/share/ca-certificates").map { "/usr/local/share/ca-certificates/" + $0 })
        #expect(files == anchors, "ledger \(files) vs disk \(anchors), \(context)")
        #expect(ledger.count == 3, "one entry per registry, \(context)")
        let bundle = root.read("/etc/ssl/certs/ca-certificates.crt") ?? ""
        for (pki, _) in servers {
            let sha = try pki.sha256("int.pem")
            #expect(ledger.filter { $0["sha256"] as? String == sha }.count == 1, "\(context)")
            let line = String(try pki.pem("int.pem").split(separator: "\n")[1])
            #expect(bundle.components(separatedBy: line).count - 1 == 1, "the CA is in the bundle once, \(context)")
        }
        #expect(bundle.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2 + 3, "two system CAs and three anchors, \(context)")
        // Exactly once: containerd restarted at least once after the installs, at most once per daemon life.
        let restarts = try bus.calls("RestartUnit").count
        #expect((1...2).contains(restarts), "\(restarts) restarts, \(context)")
        return "\(delay) ms"
    }

    func ledger(_ root: SandboxRoot) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: root.file("/var/lib/trustmend/ledger.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return object["entries"] as? [[String: Any]] ?? []
    }

    func restartsOwed(_ root: SandboxRoot) -> Int {
        guard let data = FileManager.default.contents(atPath: root.file("/var/lib/trustmend/state.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return -1 }
        return (object["restartsOwed"] as? [Any])?.count ?? 0
    }
}
