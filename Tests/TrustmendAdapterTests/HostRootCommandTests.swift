import Foundation
import Testing

/// `--host-root` and `$TRUSTMEND_HOST_ROOT` as an operator (or the image) gives them.
@Suite final class HostRootCommandTests {
    let tree: HostRootTree
    init() throws { tree = try HostRootTree(shell: false) }
    deinit { tree.remove() }

    typealias CLI = CommandLineTests

    @Test func aSandboxAndAHostRootTogetherAreRefused() throws {
        let sandbox = try SandboxRoot()
        defer { sandbox.remove() }
        let both = try CLI.run(["list", "--root", sandbox.path, "--host-root", tree.path])
        #expect(both.status == 64)
        #expect(both.stderr.contains("cannot be used together"), "\(both.stderr)")
        // The image's variable counts as given, and the error says how to clear it.
        let fromImage = try CLI.run(["list", "--root", sandbox.path], environment: ["TRUSTMEND_HOST_ROOT": tree.path])
        #expect(fromImage.status == 64)
        #expect(fromImage.stderr.contains("TRUSTMEND_HOST_ROOT="), "\(fromImage.stderr)")
    }

    /// It chooses what runs as root, like --root and --update-tool: refused when delegated.
    @Test func aHostRootIsRefusedUnderSudo() throws {
        let r = try CLI.run(["list", "--host-root", tree.path], environment: ["SUDO_USER": "alice"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--host-root is refused when trustmend runs under sudo"), "\(r.stderr)")
    }

    @Test func aDirectoryThatIsNotANodesRootIsRefused() throws {
        let missing = try CLI.run(["list", "--host-root", tree.path + "/nothing"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot be opened") && missing.stderr.contains("hostPath"), "\(missing.stderr)")
        try FileManager.default.createDirectory(atPath: tree.file("/srv/empty"), withIntermediateDirectories: true)
        let empty = try CLI.run(["list"], environment: ["TRUSTMEND_HOST_ROOT": tree.file("/srv/empty")])
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("$TRUSTMEND_HOST_ROOT") && empty.stderr.contains("os-release"), "\(empty.stderr)")
    }

    /// Without the node's machine ID its journal entries cannot be told from a linked container's.
    @Test func runWithoutTheNodesMachineIDRefusesToStart() throws {
        try FileManager.default.removeItem(atPath: tree.file("/etc/machine-id"))
        let r = try CLI.run(["run"], environment: ["TRUSTMEND_HOST_ROOT": tree.path])
        #expect(r.status == 72)
        #expect(r.stderr.contains("machine ID") && r.stderr.contains(tree.file("/etc/machine-id")), "\(r.stderr)")
    }

    /// `doctor` in the container reads the node: its distro through os-release's link, systemd on the
    /// node's bus under the root, the journal directories under the root.
    @Test(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
    func doctorReadsTheNodeUnderTheRoot() throws {
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 4242]], socket: tree.file("/run/dbus/system_bus_socket"))
        try FileManager.default.createDirectory(atPath: tree.file("/var/log/journal"), withIntermediateDirectories: true)
        let r = try CLI.run(["doctor"], environment: ["TRUSTMEND_HOST_ROOT": tree.path])
        #expect(r.stdout.contains("rhel family"), "\(r.stdout)")
        #expect(r.stdout.contains("[ OK ] host root: \(tree.path) is the node's /"), "\(r.stdout)")
        #expect(r.stdout.contains("MainPID 4242"), "systemd answered on the node's bus: \(r.stdout)")
        #expect(r.stdout.contains(tree.file("/var/log/journal")), "\(r.stdout)")
        // Without CAP_SYS_CHROOT (as a pod without it) doctor says what to add.
        let capsh = "/usr/sbin/capsh"
        if FileManager.default.isExecutableFile(atPath: capsh) {
            let dropped = try CLI.run(
                ["--drop=cap_sys_chroot", "--", "-c", "exec \(CLI.binary) doctor"], environment: ["TRUSTMEND_HOST_ROOT": tree.path],
                executable: capsh)
            #expect(dropped.stdout.contains("lacks CAP_SYS_CHROOT") && dropped.stdout.contains("SYS_CHROOT"), "\(dropped.stdout)")
        }
        _ = bus
    }

    /// `run --host-root` as in a pod: no JOURNAL_STREAM and no NOTIFY_SOCKET. It logs sentences to
    /// stderr, reads the node's journal under the root and reports from it; SIGTERM ends it cleanly.
    @Test(.enabled(if: PrivateBus.available && JournalWriter.available, "needs dbus-daemon, python3-dbusmock and systemd-journal-remote"))
    func runInAContainerLogsSentencesToStandardError() async throws {
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 10]], socket: tree.file("/run/dbus/system_bus_socket"))
        let journal = try JournalWriter(directory: tree.file("/var/log/journal/\(HostRootTree.machineID)"))
        try journal.append([.init(message: "starting", fields: [("_MACHINE_ID", HostRootTree.machineID)])])
        let (process, text) = try await tree.startDaemon(["--log-level", "debug"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let failure = #"PullImage "reg.example:5000/a:1" failed: failed to do request: Head "https://reg.example:5000/v2/a/manifests/1": x509: certificate signed by unknown authority"#
        try journal.append([.init(message: failure, fields: [("_MACHINE_ID", HostRootTree.machineID)])])
        try await eventually("the node's entry is reported") { text().contains("reg.example:5000") }
        #expect(text().contains("reg.example:5000"), "\(text())")
        #expect(!text().contains("event="), "sentences, not fields: \(text())")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text().suffix(2000))")
        #expect(text().contains("trustmend stopped"))
        _ = bus
    }

    /// In a container nothing is sent to systemd: with NOTIFY_SOCKET and JOURNAL_STREAM unset the daemon
    /// opens no datagram socket (sd_notify's, the journal's) and connects to nothing under /run/systemd.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "needs strace"))
    func runInAContainerNeverNotifiesSystemd() throws {
        let trace = tree.file("/trace.txt")
        let r = try CLI.run(
            [
                "-u", "NOTIFY_SOCKET", "-u", "JOURNAL_STREAM", "-u", "WATCHDOG_USEC", "/usr/bin/timeout", "-s", "TERM", "6",
                "/usr/bin/strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", trace, CLI.binary, "run",
            ],
            environment: ["TRUSTMEND_HOST_ROOT": tree.path], executable: "/usr/bin/env")
        #expect(r.stderr.contains("trustmend started") && r.stderr.contains("trustmend stopped"), "\(r.stderr)")
        let calls = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(!calls.contains("SOCK_DGRAM"), "\(calls)")
        #expect(!calls.contains("/run/systemd"), "\(calls)")
    }
}
