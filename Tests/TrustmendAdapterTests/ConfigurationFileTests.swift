import Foundation
import Testing
import TrustmendCore
import TrustmendStore

/// The configuration file is read only when nobody but root could have written it (issue 16, item 13):
/// the reader, the daemon at start and on reload, and the commands.
@Suite(.enabled(if: getuid() == 0, "chown needs root"))
struct ConfigurationFileTests {
    let root = try! SandboxRoot()
    var path: String { root.file("/etc/trustmend/config.yaml") }

    init() throws {
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\n", mode: 0o644)
    }

    func refusal(_ path: String, required: Bool = false) -> ConfigurationFileError? {
        do {
            _ = try ConfigurationFile.read(path, required: required)
            return nil
        } catch { return error }
    }

    @Test func aFileOrDirectoryOthersCouldChangeIsRefused() throws {
        #expect(try ConfigurationFile.read(path, required: true) == "mode: enforce\n")

        try #require(chown(path, 1000, 1000) == 0)
        let owner = try #require(refusal(path))
        #expect(owner.code == .untrusted)
        #expect(owner.description.contains("refusing the configuration \(path): it is owned by uid 1000 (owner uid 1000, mode 0644)"), "\(owner)")
        #expect(owner.description.hasSuffix("chown root \(path)"), "\(owner)")
        try #require(chown(path, 0, 0) == 0)

        try #require(chmod(path, 0o666) == 0)
        let mode = try #require(refusal(path))
        #expect(mode.description.contains("writable by its group and writable by others (owner uid 0, mode 0666)") && mode.description.hasSuffix("chmod go-w \(path)"), "\(mode)")
        try #require(chmod(path, 0o644) == 0)

        // The directory: whoever may write it can replace the file.
        let directory = root.file("/etc/trustmend")
        try #require(chmod(directory, 0o775) == 0)
        let above = try #require(refusal(path))
        #expect(above.description.contains("the directory \(directory) above the configuration \(path)") && above.description.hasSuffix("chmod go-w \(directory)"), "\(above)")
        try #require(chmod(directory, 0o755) == 0)
        #expect(refusal(path) == nil)
    }

    /// A symbolic link is followed only to a file that passes the rule (kubelet mounts a ConfigMap as
    /// links); a FIFO is refused at once, not waited on.
    @Test func onlyARegularFileIsRead() throws {
        let link = root.file("/etc/trustmend/link.yaml")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(try ConfigurationFile.read(link, required: true) == "mode: enforce\n")
        try #require(chown(path, 1000, 1000) == 0)
        #expect(refusal(link)?.code == .untrusted, "the file it leads to is held to the rule")
        try #require(chown(path, 0, 0) == 0)
        let loop = root.file("/etc/trustmend/loop.yaml")
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        #expect(refusal(loop)?.code == .notRegular)
        let dangling = root.file("/etc/trustmend/dangling.yaml")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: root.file("/nowhere.yaml"))
        #expect(refusal(dangling)?.code == .missing, "a link to nothing is an error, not the defaults")
        let fifo = root.file("/etc/trustmend/fifo.yaml")
        try #require(mkfifo(fifo, 0o644) == 0)
        let started = ContinuousClock.now
        #expect(refusal(fifo)?.code == .notRegular)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    /// The default file may be missing (the defaults trust nothing); a file named with --config may not.
    @Test func aMissingFileIsAnErrorOnlyWhenNamed() throws {
        let missing = root.file("/etc/trustmend/missing.yaml")
        #expect(try ConfigurationFile.read(missing, required: false) == nil)
        #expect(refusal(missing, required: true)?.code == .missing)
        let r = try CommandLineTests.run(["list", "--root", root.path, "--config", missing])
        #expect(r.status == 78 && r.stderr.contains("\(missing): it does not exist"), "\(r.stderr)")
    }

    /// The commands read it as the daemon does: exit 78 with the file, its owner and mode, and what to run.
    @Test func theCommandsRefuseItWithExit78() throws {
        try #require(chmod(path, 0o666) == 0)
        for command in [["list"], ["remove", "--all"], ["fix", "localhost:1", "--dry-run"]] {
            let r = try CommandLineTests.run(command + ["--root", root.path])
            #expect(r.status == 78, "\(command): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("refusing the configuration \(path)") && r.stderr.contains("mode 0666"), "\(command): \(r.stderr)")
        }
        let doctor = try CommandLineTests.run(["doctor", "--root", root.path])
        #expect(doctor.status == 1 && doctor.stdout.contains("refusing the configuration \(path)"), "\(doctor.stdout)")
    }

    /// Under a sandbox root run by an ordinary user (setpriv drops to uid 65534), that user's own file is
    /// accepted — the rule is relative to who runs trustmend — and a third user's is not.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func anOrdinaryUsersSandboxIsTheirs() throws {
        let binary = root.file("/trustmend")
        try FileManager.default.copyItem(atPath: CommandLineTests.binary, toPath: binary)
        _ = try Shell.run("chown -R 65534:65534 '\(root.path)' && chmod 0755 '\(root.path)'")
        func list() throws -> CommandLineTests.Run {
            try CommandLineTests.run(["--reuid=65534", "--regid=65534", "--clear-groups", binary, "list", "--root", root.path], executable: "/usr/bin/setpriv")
        }
        let own = try list()
        #expect(own.status == 0 && own.stdout.contains("No anchors installed"), "\(own.stderr)")
        try #require(chown(path, 1000, 1000) == 0)
        let other = try list()
        #expect(other.status == 78 && other.stderr.contains("chown 65534 \(path)"), "\(other.stderr)")
    }
}

/// The daemon checks the file at start (exit 78, as systemd shows in `status`) and at every reload
/// (config-rejected: the running configuration stays).
@Suite(.enabled(if: getuid() == 0 && PrivateBus.available && JournalWriter.available, "needs root, dbus-daemon, python3-dbusmock and systemd-journal-remote"))
struct ConfigurationFileDaemonTests {
    let root = try! SandboxRoot()
    let journal = try! JournalWriter()
    let bus = try! PrivateBus(units: ["containerd.service": ["pid": 10]])
    var path: String { root.file("/etc/trustmend/config.yaml") }

    @Test func aConfigurationOthersCanWriteStopsTheStart() async throws {
        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow: [{host: localhost}]\n", mode: 0o666)
        let daemon = try DaemonProcessTests.Daemon(root: root, config: path, journal: journal, bus: bus)
        // The message first (the process's end is noticed by Foundation's monitor, slow on a loaded machine).
        try await eventually("the refusal") { daemon.text.contains("refusing the configuration") }
        try await eventually("the daemon exits") { !daemon.process.isRunning }
        #expect(!daemon.process.isRunning && daemon.process.terminationStatus == 78, "\(daemon.text)")
        #expect(daemon.text.contains("refusing the configuration \(path)") && daemon.text.contains("chmod go-w \(path)"), "\(daemon.text)")
        #expect(!daemon.text.contains("trustmend started"))
    }

    @Test func aReloadOfAFileOthersCanWriteIsRejected() async throws {
        try root.write("/etc/trustmend/config.yaml", "mode: report\n", mode: 0o644)
        let daemon = try DaemonProcessTests.Daemon(root: root, config: path, journal: journal, bus: bus)
        try await eventually("the daemon starts") { daemon.text.contains("trustmend started") }

        try root.write("/etc/trustmend/config.yaml", "mode: enforce\nallow: [{host: localhost}]\n", mode: 0o666)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually("the refusal") { daemon.text.contains("new configuration refused") }
        #expect(daemon.text.contains("mode 0666") && daemon.text.contains(Event.configRejected.messageID), "\(daemon.text)")
        #expect(!daemon.text.contains("configuration reloaded"))

        // Made root's again, the same file is taken.
        try #require(chmod(path, 0o644) == 0)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually("the reload") { daemon.text.contains("configuration reloaded") }
        #expect(try await daemon.stop() == 0)
    }
}
