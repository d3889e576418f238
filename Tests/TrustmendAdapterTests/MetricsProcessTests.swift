import Foundation
import Testing
import TrustmendCore
import TrustmendTesting

/// Prometheus's own checker, when installed (Debian: the `prometheus` package).
enum Promtool {
    static let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `promtool ARGUMENTS` (stdin from `input`): its exit status and what it said. Waited for without
    /// blocking a thread of the concurrency pool (two on the build machine): the suites run in parallel,
    /// and a blocked pool starved another suite's wall-clock limit.
    static func run(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        if let input { process.standardInput = FileHandle(forReadingAtPath: input) }
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        // What promtool says fits in the pipe's buffer: it never waits for the read.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    /// `promtool check metrics` on a file: its exit status and the problems it found, one a line.
    static func check(_ file: String) async throws -> (status: Int32, output: String) {
        try await run(["check", "metrics"], input: file)
    }
}

/// `trustmend run` as a process writing `trustmend.prom` into node_exporter's directory of a sandbox
/// root (issue 17, item 3): after start and after a repair, mode 0644, gone after SIGTERM; and promtool,
/// when installed, finds nothing to say about the file.
@Suite(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct MetricsProcessTests {
    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])
    static let directory = "/var/lib/prometheus/node-exporter"

    @Test func theDaemonWritesTheFileAfterStartAndAfterARepair() async throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        try FileManager.default.createDirectory(atPath: root.file(Self.directory), withIntermediateDirectories: true)
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow:\n  - host: localhost\ndebounce: 1s\nfetch:\n  proxy: none\n", mode: 0o644)
        let daemon = try DaemonProcessTests.Daemon(root: root, config: root.file("/etc/trustmend/config.yaml"), journal: journal, bus: bus)
        let path = root.file(Self.directory + "/trustmend.prom")
        func file() throws -> Exposition? { try (try? String(contentsOfFile: path, encoding: .utf8)).map(Exposition.init) }

        try await eventually("the file after start") { try file() != nil }
        #expect(try file()?.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 0)
        #expect(try file()?.samples.contains { $0.name == "trustmend_build_info" && $0.labels["openssl"]?.hasPrefix("OpenSSL") == true } == true)

        try journal.append([.init(message: DaemonProcessTests.failure(server.port))])
        try await eventually("the repair in the file") {
            try file()?.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 1
        }
        let after = try #require(try file())
        #expect(after.value("trustmend_detections_total", ["unit": "containerd.service"]) == 1)
        #expect(after.value("trustmend_restarts_total", ["result": "completed", "unit": "containerd.service"]) == 1)
        #expect(after.value("trustmend_anchors", ["route": "system"]) == 1)
        #expect(after.value("trustmend_last_batch_timestamp_seconds") != nil)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o644)
        #expect(root.list(Self.directory) == ["trustmend.prom"], "no temporary file left beside it")
        if Promtool.path != nil {
            let check = try await Promtool.check(path)
            #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")
        }

        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: path), "taken away when the daemon stops")
    }
}

/// `promtool check metrics` (its parser and its lint: names, types, units, HELP) on a file with every
/// family and hostile label values. Skipped, with the reason, where promtool is not installed; the
/// format's rules are checked without it by `MetricsTests` (`Exposition`).
@Suite(.enabled(if: Promtool.path != nil, "promtool is not installed (Debian: apt-get install prometheus); MetricsTests checks the format without it"))
struct PromtoolTests {
    @Test func promtoolFindsNothingToSay() async throws {
        var metrics = Metrics(
            units: EngineUnit.allCases.map(\.name) + ["my\\engine.service"], started: Date(),
            build: ["version": "0.1.0 \"quoted\"\nand \\ more", "openssl": "OpenSSL 3.0.15 3 Sep 2024"])
        metrics.record(.detected, unit: "containerd.service")
        metrics.record(.detected, unit: nil)
        metrics.record(.detected, unit: "not-configured.service")
        metrics.record(.reported, unit: nil)
        metrics.record(.restartDeferred, unit: "docker.service")
        metrics.record(repair: .installed, route: .registry)
        metrics.lastBatch = Date()
        let path = NSTemporaryDirectory() + "trustmend-\(UUID().uuidString).prom"
        try metrics.text(anchors: [.system: 1, .registry: 2]).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try await Promtool.check(path)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
        #expect(check.output.isEmpty, "promtool's lint: \(check.output)")
    }

    /// The sample alert rules in README.md (the block that starts `# trustmend-alerts.yml`).
    @Test func theREADMEsAlertRulesAreValid() async throws {
        let readme = try String(contentsOfFile: ConfigurationTests.packageRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\n# trustmend-alerts.yml\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let rules = String(readme[start.upperBound..<end.lowerBound]) + "\n"
        #expect(rules.contains("trustmend_repairs_total") && rules.contains("trustmend_reports_total"))
        let path = NSTemporaryDirectory() + "trustmend-alerts-\(UUID().uuidString).yml"
        try rules.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try await Promtool.run(["check", "rules", path])
        #expect(check.status == 0 && check.output.contains("SUCCESS: 4 rules found"), "\(check.output)")
    }
}
