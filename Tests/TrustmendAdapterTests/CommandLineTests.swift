import Foundation
import Testing

/// The `trustmend` executable as an operator runs it.
@Suite struct CommandLineTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("trustmend").path

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], executable: String = binary) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func versionNamesTheLibraries() throws {
        let r = try Self.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("trustmend "))
        #expect(r.stdout.contains("OpenSSL 3"))
        #expect(r.stdout.contains("libsystemd"))
    }

    @Test func scanReadsStandardInputAsJSONLines() throws {
        let log = """
            noise
            E1125 kubelet[1]: "Failed to pull image" err="failed to pull and unpack image \\"reg.example:5000/a:1\\": failed to do request: Head \\"https://reg.example:5000/v2/a/manifests/1\\": tls: failed to verify certificate: x509: certificate signed by unknown authority"
            """
        let r = try Self.run(["scan", "--json"], stdin: log)
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object?["line"] as? Int == 2)
        #expect(object?["host"] as? String == "reg.example")
        #expect(object?["port"] as? Int == 5000)
        #expect(object?["engine"] as? String == "kubelet")
    }

    @Test(.enabled(if: JournalWriter.available, "needs systemd-journal-remote"))
    func scanReadsJournalFiles() throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        let failure = #"PullImage "reg.example:5000/a:1" failed: failed to do request: Head "https://reg.example:5000/v2/a/manifests/1": x509: certificate signed by unknown authority"#
        try journal.append([
            .init(message: "noise"),
            .init(message: failure),
            .init(message: failure.replacingOccurrences(of: "reg.example", with: "other.example"), unit: "user@1000.service", uid: "1000"),
        ])
        let r = try Self.run(["scan", "--journal-file", journal.file])
        #expect(r.status == 0)
        #expect(r.stdout == """
            \(journal.file):2: reg.example:5000 (containerd) image "reg.example:5000/a:1"
            \(journal.file):3: other.example:5000 (containerd) image "other.example:5000/a:1"

            """, "every entry, whoever wrote it, numbered: \(r.stdout)")
        let missing = try Self.run(["scan", "--journal-file", journal.directory + "/missing.journal"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open the journal (\(journal.directory)/missing.journal): No such file or directory"))
    }

    @Test(arguments: ["../etc/passwd", "host;reboot", "h:99999", ""])
    func hostileHostsAreUsageErrors(host: String) throws {
        let r = try Self.run(["fix", host, "--root", "/nonexistent", "--dry-run"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("refusing") || r.stderr.contains("empty") || r.stderr.contains("port"))
    }

    @Test func aPinMismatchExitsThreeAndWritesNothing() throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let root = try SandboxRoot()
        defer { root.remove() }
        let r = try Self.run(["fix", "localhost:\(server.port)", "--root", root.path, "--expect-sha256", String(repeating: "0", count: 64)])
        #expect(r.status == 3)
        #expect(r.stderr.contains("does not match"))
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
    }

    @Test(.enabled(if: PrivateBus.available)) func fixRestartsContainerdAndDefersDockerWithoutLiveRestore() throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let root = try SandboxRoot()
        defer { root.remove() }
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 10], "docker.service": ["pid": 20]])
        let r = try Self.run(["fix", "localhost:\(server.port)", "--root", root.path, "--restart", "auto", "--bus", bus.address])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("restarted containerd.service"))
        #expect(r.stdout.contains("not restarting docker.service"))
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]])

        // With live-restore on, docker is restarted too (the anchor is already there: a restart is still asked for).
        try root.write("/etc/docker/daemon.json", "{\"live-restore\": true}\n", mode: 0o644)
        let again = try Self.run(["fix", "localhost:\(server.port)", "--root", root.path, "--restart", "auto", "--bus", bus.address])
        #expect(again.stdout.contains("restarted docker.service"), "\(again.stdout)")
    }

    @Test func listAndRemoveWithAnEmptyLedger() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        let list = try Self.run(["list", "--root", root.path])
        #expect(list.status == 0 && list.stdout.contains("No anchors installed"))
        let remove = try Self.run(["remove", "reg.example", "--root", root.path])
        #expect(remove.status == 0 && remove.stdout.contains("Nothing to remove"))
        let neither = try Self.run(["remove", "--root", root.path])
        #expect(neither.status == 64)
    }

    /// With `state_directory` set, the commands use the daemon's ledger there (issue 16, item 12): `fix`
    /// records into it, `list` shows it, `remove` takes it back, `list --state-directory` names it (the
    /// packages record that for purge); `--config` reads another file.
    @Test func theCommandsUseTheConfiguredStateDirectory() throws {
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let root = try SandboxRoot()
        defer { root.remove() }
        try root.write("/etc/trustmend/config.yaml", "state_directory: /srv/trustmend\n", mode: 0o644)
        let fix = try Self.run(["fix", "localhost:\(server.port)", "--root", root.path, "--route", "system"])
        #expect(fix.status == 0, "\(fix.stdout)\(fix.stderr)")
        #expect(FileManager.default.fileExists(atPath: root.file("/srv/trustmend/ledger.json")))
        #expect(!FileManager.default.fileExists(atPath: root.file("/var/lib/trustmend/ledger.json")))

        let list = try Self.run(["list", "--root", root.path])
        #expect(list.status == 0 && list.stdout.contains("localhost:\(server.port)  sha256"), "\(list.stdout)\(list.stderr)")
        let directory = try Self.run(["list", "--root", root.path, "--state-directory"])
        #expect(directory.status == 0 && directory.stdout == root.file("/srv/trustmend") + "\n", "\(directory.stdout)\(directory.stderr)")
        try root.write("/other.yaml", "state_directory: /elsewhere\n", mode: 0o644)
        let other = try Self.run(["list", "--root", root.path, "--config", root.file("/other.yaml")])
        #expect(other.stdout.contains("(ledger: \(root.file("/elsewhere/ledger.json")))"), "\(other.stdout)\(other.stderr)")

        let remove = try Self.run(["remove", "localhost:\(server.port)", "--root", root.path])
        #expect(remove.status == 0 && remove.stdout.contains("removed localhost:\(server.port)"), "\(remove.stdout)\(remove.stderr)")
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(try Self.run(["list", "--root", root.path]).stdout.contains("No anchors installed"))
    }

    /// The CLI is not to be delegated: under sudo every option that chooses what runs as root, or which
    /// files are read and deleted, is refused (exit 64) with the option named. Root running it directly
    /// (as the other tests here do) keeps them.
    @Test func theNodeOptionsAreRefusedUnderSudo() throws {
        let root = try SandboxRoot()
        let marker = root.file("/ran")
        try root.write("/tool", "#!/bin/sh\ntouch \(marker)\n")
        let sudo = ["SUDO_USER": "alice", "SUDO_UID": "1000"]
        for (arguments, option) in [
            (["doctor", "--root", root.path], "--root"),
            (["fix", "localhost:1", "--dry-run", "--root", root.path], "--root"),
            (["list", "--root", root.path], "--root"),
            (["remove", "--all", "--update-tool", root.file("/tool")], "--update-tool"),
            (["doctor", "--bus", "unix:path=/nonexistent"], "--bus"),
            (["run", "--config", root.file("/config.yaml")], "--config"),
            (["run", "--journal-dir", root.path], "--journal-dir"),
            (["run", "--journal-file", root.file("/x.journal")], "--journal-file"),
        ] {
            let r = try Self.run(arguments, environment: sudo)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("\(option) is refused") && r.stderr.contains("sudo"), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
        let direct = try Self.run(["list", "--root", root.path])
        #expect(direct.status == 0, "\(direct.stderr)")
    }

    @Test func anUnknownDistroNamesItsIDAndTheOverride() throws {
        let root = try SandboxRoot(osRelease: "ID=plan9\n")
        defer { root.remove() }
        let r = try Self.run(["fix", "reg.example", "--root", root.path, "--dry-run"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("ID=\"plan9\"") && r.stderr.contains("--distro"))
    }

    /// `fix --route registry` on a sandbox EulerOS root: the self-signed CA:FALSE registry is repaired
    /// through docker's certs.d; `list` shows the route; `remove` takes the file and its directory back.
    @Test func fixOnTheRegistryRouteListAndRemove() throws {
        let pki = try TestPKI()
        let root = try SandboxRoot(osRelease: SandboxRoot.eulerOSRelease)
        let server = try TestServer.tls(pki: pki, cert: "self.pem", key: "self.key", chain: nil)
        let registry = "localhost:\(server.port)"
        let systemRoute = try Self.run(["fix", registry, "--root", root.path, "--route", "system", "--update-tool", "/bin/true"])
        #expect(systemRoute.status == 3, "refused on the p11-kit system route: \(systemRoute.stderr)")
        #expect(systemRoute.stderr.contains("registry route"))

        let fix = try Self.run(["fix", registry, "--root", root.path, "--route", "registry", "--engine", "docker"])
        #expect(fix.status == 0, "\(fix.stdout)\(fix.stderr)")
        #expect(fix.stdout.contains("no restart needed"))
        #expect(root.list("/etc/docker/certs.d/\(registry)").count == 1)
        #expect(root.list("/etc/pki/ca-trust/source/anchors").isEmpty)

        let list = try Self.run(["list", "--root", root.path])
        #expect(list.stdout.contains("via the registry route for registry \(registry)"))

        let remove = try Self.run(["remove", registry, "--root", root.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.file("/etc/docker/certs.d/\(registry)")))
    }

    /// The engines look up certs.d/<registry> as the image reference spells it, upper case included
    /// (RegistryHost): `fix --registry LocalHost:PORT` writes that directory, and `remove` in any case
    /// takes it back (issue 16, item 17).
    @Test func theRegistryDirectoryIsSpeltAsTheReference() throws {
        let pki = try TestPKI()
        let root = try SandboxRoot()
        defer { root.remove() }
        let server = try TestServer.tls(pki: pki, cert: "self.pem", key: "self.key", chain: nil)
        let registry = "LocalHost:\(server.port)"
        let fix = try Self.run(["fix", "localhost:\(server.port)", "--root", root.path, "--route", "registry", "--registry", registry, "--engine", "docker"])
        #expect(fix.status == 0, "\(fix.stdout)\(fix.stderr)")
        #expect(root.list("/etc/docker/certs.d") == [registry])
        #expect(try Self.run(["list", "--root", root.path]).stdout.contains("for registry \(registry)"))
        let remove = try Self.run(["remove", "localhost:\(server.port)", "--root", root.path])
        #expect(remove.status == 0 && root.list("/etc/docker/certs.d").isEmpty, "\(remove.stdout)\(remove.stderr)")
    }

    @Test func fixRefusesRegistryOptionsOnTheSystemRoute() throws {
        let r = try Self.run(["fix", "reg.example", "--route", "system", "--engine", "docker"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("need --route registry or auto"))
    }
}
