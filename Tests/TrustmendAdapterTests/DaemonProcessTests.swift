import Foundation
import Testing

/// `trustmend run` as systemd runs it, as a process: a real journal file it follows, a loopback TLS
/// registry, the real update-ca-certificates on a sandbox root, and the systemd stand-in on a private bus.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct DaemonProcessTests {
    /// One running daemon, its log in a file.
    final class Daemon {
        let process = Process()
        let log: String

        init(
            root: SandboxRoot, config: String, journal: JournalWriter, bus: PrivateBus, notifySocket: String? = nil,
            binary: String = CommandLineTests.binary
        ) throws {
            log = root.file("/daemon-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "run", "--root", root.path, "--distro", "debian", "--config", config, "--journal-dir", journal.directory,
                "--bus", bus.address, "--log-level", "debug",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "JOURNAL_STREAM")  // log to stderr, as outside systemd
            environment.removeValue(forKey: "NOTIFY_SOCKET")
            if let notifySocket { environment["NOTIFY_SOCKET"] = notifySocket }
            process.environment = environment
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var text: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        func lines(event: String) -> [String] { text.split(separator: "\n").map(String.init).filter { $0.contains("event=\(event)") } }

        /// SIGTERM, then the exit status (nil if it did not end within 20 s; it is then killed).
        func stop() async throws -> Int32? {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(20)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            guard !process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                return nil
            }
            return process.terminationStatus
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])

    func config(allow: String) throws -> String {
        let path = root.file("/etc/trustmend/config.yaml")
        try root.write(
            "/etc/trustmend/config.yaml",
            """
            mode: enforce
            allow:
              - host: "\(allow)"
            debounce: 1s
            fetch:
              proxy: none
            """, mode: 0o644)
        return path
    }

    static func failure(_ port: Int, host: String = "localhost") -> String {
        "level=error msg=\"PullImage \\\"\(host):\(port)/app:1\\\" failed\" error=\"failed to pull and unpack image: failed to resolve reference: "
            + "failed to do request: Head \\\"https://\(host):\(port)/v2/app/manifests/1\\\": tls: failed to verify certificate: "
            + "x509: certificate signed by unknown authority\""
    }

    var state: [String: Any] {
        guard let data = FileManager.default.contents(atPath: root.file("/var/lib/trustmend/state.json")) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    @Test func theFullCycleFromAJournalEntryToOneRestart() async throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let daemon = try Daemon(root: root, config: try config(allow: "localhost"), journal: journal, bus: bus)
        try await eventually("the daemon follows the journal") { daemon.text.contains("trustmend started") }

        // Forgeries about another allowed registry: logger as a user, an engine's name from a foreign unit,
        // root in a foreign unit, the engine's unit with a non-root _UID. Then one genuine entry.
        let decoy = try TestServer.tls(pki: try TestPKI())
        try journal.append([
            .init(message: Self.failure(decoy.port), unit: "user@1000.service", uid: "1000", identifier: "containerd"),
            .init(message: Self.failure(decoy.port), unit: "evil.service", uid: "0", identifier: "containerd"),
            .init(message: Self.failure(decoy.port), unit: "containerd.service", uid: "1000"),
            .init(message: Self.failure(decoy.port), unit: nil, uid: nil, identifier: "containerd"),
            .init(message: Self.failure(server.port)),
        ])
        try await eventually("one restart") { try bus.calls("RestartUnit").count == 1 }
        try await eventually("the restart is logged") { !daemon.lines(event: "restart-completed").isEmpty }
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]])
        #expect(root.list("/usr/local/share/ca-certificates").count == 1)
        #expect(root.read("/etc/ssl/certs/ca-certificates.crt")?.contains(try pki.pem("int.pem").split(separator: "\n")[1]) == true)
        #expect(daemon.lines(event: "installed").first?.contains(try pki.sha256("int.pem")) == true)
        #expect(daemon.lines(event: "verified").count == 1)
        #expect(daemon.lines(event: "detected").count == 1)
        #expect(!daemon.text.contains(":\(decoy.port)"), "the forged entries caused nothing")

        let status = try await daemon.stop()
        #expect(status == 0, "SIGTERM ends cleanly: \(daemon.text.suffix(2000))")
        #expect(daemon.text.contains("trustmend stopped"))
        let cursor = state["journalCursor"] as? String
        #expect(cursor?.isEmpty == false, "the cursor is saved")

        // Started again: the same entries are not decided twice; a new one outside the policy is only reported.
        let again = try Daemon(root: root, config: try config(allow: "localhost"), journal: journal, bus: bus)
        try await eventually("the second daemon starts") { again.text.contains("trustmend started") }
        try journal.append([.init(message: Self.failure(server.port, host: "127.0.0.1"))])
        try await eventually("the report") { !again.lines(event: "reported").isEmpty }
        // Not fetched (issue 16, item 15): the command is the dry run, which fetches when the operator runs it.
        #expect(again.lines(event: "reported").first?.contains("trustmend fix 127.0.0.1:\(server.port) --dry-run") == true)
        #expect(again.lines(event: "detected").isEmpty, "the first entry was not decided again")
        #expect(try bus.calls("RestartUnit").count == 1)
        #expect(try await again.stop() == 0)
    }

    /// Issue 16, item 1: with dockerd's journald log driver, a container's output arrives under
    /// `_SYSTEMD_UNIT=docker.service, _UID=0` too, over the native protocol with `CONTAINER_*` fields. It
    /// is not acted on; the engine's own line (its stderr, `_TRANSPORT=stdout`) still is.
    @Test func aContainerLineForwardedByDockerdIsNotActedOnTheEnginesOwnLineIs() async throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let decoy = try TestServer.tls(pki: try TestPKI())
        let daemon = try Daemon(root: root, config: try config(allow: "localhost"), journal: journal, bus: bus)
        try await eventually("the daemon follows the journal") { daemon.text.contains("trustmend started") }

        let container: [(String, String)] = [
            ("CONTAINER_ID", "0123456789ab"), ("CONTAINER_NAME", "workload"), ("CONTAINER_TAG", "0123456789ab"),
            ("SYSLOG_IDENTIFIER", "0123456789ab"),
        ]
        try journal.append([
            .init(message: Self.failure(decoy.port), unit: "docker.service", transport: "journal", fields: container),
            .init(message: Self.failure(decoy.port), unit: "docker.service", transport: "stdout", fields: container),
            .init(message: Self.failure(server.port), unit: "docker.service", identifier: "dockerd"),
        ])
        try await eventually("the engine's own line is acted on") { !daemon.lines(event: "installed").isEmpty }
        #expect(daemon.lines(event: "installed").first?.contains(try pki.sha256("int.pem")) == true)
        #expect(daemon.lines(event: "detected").count == 1)
        #expect(!daemon.text.contains(":\(decoy.port)"), "the container's lines caused nothing")
        #expect(try await daemon.stop() == 0)
    }

    /// The wiring of process_image.h (ProcessImageTests has the mechanism): once started, the daemon's own
    /// relocation table is no longer resident. From a copy of the binary that no other process maps, as
    /// PAGEOUT leaves pages that other processes map too (the suites run trustmend alongside).
    @Test func theStartedDaemonHoldsNoPageOfItsRelocationTable() async throws {
        let binary = root.file("/trustmend")
        try FileManager.default.copyItem(atPath: CommandLineTests.binary, toPath: binary)
        let daemon = try Daemon(root: root, config: try config(allow: "localhost"), journal: journal, bus: bus, binary: binary)
        try await eventually("the daemon starts") { daemon.text.contains("trustmend started") }

        // Where the table lies: its link-time address and size (readelf -d), plus the load base (the
        // mapping of the file's first page).
        let dynamic = try Shell.run("readelf -d '\(binary)'")
        func value(_ tag: String) throws -> UInt {
            let line = try #require(dynamic.split(separator: "\n").first { $0.contains("(\(tag))") })
            let field = try #require(line.split(separator: " ").dropFirst(2).first)
            return try #require(field.hasPrefix("0x") ? UInt(field.dropFirst(2), radix: 16) : UInt(field))
        }
        let maps = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/maps", encoding: .utf8)
        let first = try #require(maps.split(separator: "\n").first { $0.hasSuffix(binary) && $0.split(separator: " ")[2] == "00000000" })
        let base = try #require(UInt(first.prefix { $0 != "-" }, radix: 16))
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let start = (base + (try value("RELA")) + page - 1) / page * page
        let end = (base + (try value("RELA")) + (try value("RELASZ"))) / page * page
        try #require(end > start, "the debug binary's table spans whole pages")

        #expect(try residentPages(pid: "\(daemon.process.processIdentifier)", start, end) == 0)
        #expect(try await daemon.stop() == 0)
    }

    @Test func aBadConfigurationExits78AndNamesTheKey() throws {
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow:\n  - host: \"*.corp.example\"\n    prot: 5000\n", mode: 0o644)
        let r = try CommandLineTests.run([
            "run", "--root", root.path, "--config", root.file("/etc/trustmend/config.yaml"), "--journal-dir", journal.directory,
        ])
        #expect(r.status == 78)
        #expect(r.stderr.contains("prot"), "\(r.stderr)")
        #expect(r.stderr.contains("line 4"), "\(r.stderr)")
    }

    @Test func aBadReloadKeepsTheRunningConfiguration() async throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let path = try config(allow: "registry.corp.example")
        let daemon = try Daemon(root: root, config: path, journal: journal, bus: bus)
        try await eventually("the daemon starts") { daemon.text.contains("trustmend started") }

        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow: [{host: \"localhost\"}]\ndebounce: 1s\nfetch: {proxy: none}\n", mode: 0o644)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually("the reload") { daemon.text.contains("configuration reloaded") }
        try root.write("/etc/trustmend/config.yaml", "mode: sometimes\n", mode: 0o644)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually("the refusal") { daemon.text.contains("sometimes") }

        // The reloaded rules (localhost allowed) still hold.
        try journal.append([.init(message: Self.failure(server.port))])
        try await eventually("the install under the reloaded rules") { try bus.calls("RestartUnit").count == 1 }
        #expect(root.list("/usr/local/share/ca-certificates").count == 1)
        #expect(try await daemon.stop() == 0)
    }

    @Test func theServiceManagerHearsReadinessAndTheStatusOfTheRunningConfiguration() async throws {
        let notify = try NotifySocket()
        let path = root.file("/etc/trustmend/config.yaml")
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\n", mode: 0o644)  // no rules: report only
        let daemon = try Daemon(root: root, config: path, journal: journal, bus: bus, notifySocket: notify.path)
        try await eventually("READY=1") { notify.received.contains { $0.contains("READY=1") } }
        #expect(notify.received.last?.contains("STATUS=watching (report only)") == true, "\(notify.received)")

        // A refused reload keeps the running configuration, and so its status.
        try root.write("/etc/trustmend/config.yaml", "mode: sometimes\n", mode: 0o644)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually("the reload's READY=1") { notify.received.filter { $0.contains("READY=1") }.count == 2 }
        #expect(notify.received.contains { $0.contains("RELOADING=1") })
        #expect(notify.received.last?.contains("STATUS=watching (report only)") == true, "\(notify.received)")

        #expect(try await daemon.stop() == 0)
        #expect(notify.received.contains { $0.contains("STOPPING=1") })
    }
}

/// A notify socket as systemd gives a Type=notify service: a datagram socket whose messages are kept.
final class NotifySocket: @unchecked Sendable {
    // @unchecked: `messages` is only touched under `lock`; the fd is closed in deinit.
    let path = NSTemporaryDirectory() + "trustmend-notify-\(UUID().uuidString.prefix(8))"
    private let fd: Int32
    private let lock = NSLock()
    private var messages: [String] = []

    init() throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every message so far, oldest first.
    var received: [String] {
        lock.lock()
        defer { lock.unlock() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            messages.append(String(decoding: buffer[..<n], as: UTF8.self))
        }
        return messages
    }
}
