import Foundation
import Testing
import TrustmendCore
@testable import TrustmendStore

/// What the daemon and doctor read from the node to choose a route: real files under a sandbox root,
/// and `/proc` of a real process for when containerd started.
@Suite struct EngineRouteFactsTests {
    let root = try! SandboxRoot()

    func writeConfig() throws {
        try root.write("/etc/containerd/config.toml", "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n", mode: 0o644)
        try root.write(
            "/etc/containerd/conf.d/10-registry.toml",
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n", mode: 0o644)
        try root.write("/etc/docker/daemon.json", #"{"features": {"containerd-snapshotter": true}}"#, mode: 0o644)
    }

    @Test func importsAndDaemonJSONAreReadUnderTheRoot() async throws {
        try writeConfig()
        let details = await EngineRouteFacts(root: root.path, containerdBinaries: []).read()
        #expect(details.containerdConfig?.files == ["/etc/containerd/config.toml", "/etc/containerd/conf.d/10-registry.toml"])
        #expect(details.routeFacts.containerd.covered)
        #expect(details.routeFacts.docker.containerdSnapshotter)
        #expect(details.containerdVersion == nil)
    }

    @Test func aBrokenConfigurationIsNotCoveredAndSaysWhy() async throws {
        try root.write("/etc/containerd/config.toml", "version = 2\n[plugins\n", mode: 0o644)
        let facts = await EngineRouteFacts(root: root.path, containerdBinaries: []).read().routeFacts
        #expect(!facts.containerd.covered)
        #expect(facts.containerd.why.contains("/etc/containerd/config.toml"))
    }

    /// `containerd --version` runs once per binary, and again when the binary is replaced (an upgrade).
    @Test func theVersionIsAskedOncePerBinary() async throws {
        try writeConfig()
        func install(_ version: String) throws {
            // A new file, as a package upgrade writes it (a new inode, whatever the clock's resolution).
            try? FileManager.default.removeItem(atPath: root.file("/usr/bin/containerd"))
            try root.write(
                "/usr/bin/containerd", "#!/bin/sh\necho run >> \(root.file("/runs"))\necho 'containerd github.com/containerd/containerd \(version) abc'\n",
                mode: 0o755)
        }
        func runs() -> Int { ((try? String(contentsOfFile: root.file("/runs"), encoding: .utf8)) ?? "").split(separator: "\n").count }
        try install("v1.6.20")
        // The host's root (nothing under a sandbox root is run), the binary named by its path on this machine.
        var facts = EngineRouteFacts(root: .host, containerdBinaries: [root.file("/usr/bin/containerd")])
        // The daemon's 10 s was seen to pass under the whole suite's load (two cores, a starved pool):
        // what this test counts is the runs, not the limit.
        facts.versionTimeout = .seconds(300)
        #expect(await facts.containerdVersion() == ContainerdVersion(major: 1, minor: 6))
        #expect(await facts.containerdVersion() == ContainerdVersion(major: 1, minor: 6))
        #expect(runs() == 1)
        try install("v1.7.13-upgraded")  // another size too: a same-tick rewrite may reuse the inode and the time
        #expect(await facts.containerdVersion() == ContainerdVersion(major: 1, minor: 7))
        #expect(runs() == 2)
    }

    /// `doctor --root DIR` and `fix --dry-run --root DIR` read the route facts: `DIR/usr/bin/containerd`
    /// (anyone's, under a sandbox root) is never run, and its version is not known.
    @Test func nothingUnderASandboxRootIsRun() async throws {
        try writeConfig()
        let marker = root.file("/ran")
        try root.write("/usr/bin/containerd", "#!/bin/sh\ntouch \(marker)\necho 'containerd github.com/containerd/containerd v2.2.0 abc'\n", mode: 0o755)
        let details = await EngineRouteFacts(root: root.path).read()
        #expect(!FileManager.default.fileExists(atPath: marker), "DIR/usr/bin/containerd was run")
        #expect(details.containerdVersion == nil)
    }

    @Test func theStartOfARealProcess() throws {
        let start = try #require(EngineRouteFacts.processStart(pid: UInt32(getpid())))
        let now = Date().timeIntervalSince1970
        #expect(start <= now && start > now - 86400, "\(start) vs now \(now)")
        #expect(EngineRouteFacts.processStart(pid: 0) == nil)
    }

    /// containerd reads its configuration once: a file changed after the process started is not what it does.
    @Test func aFileChangedAfterTheProcessStartedIsNotCovered() async throws {
        try writeConfig()
        // Written just before the process starts: older than it, by less than a second.
        for file in ["/etc/containerd/config.toml", "/etc/containerd/conf.d/10-registry.toml"] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-0.2)], ofItemAtPath: root.file(file))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        try process.run()
        defer { process.terminate() }
        let pid = UInt32(process.processIdentifier)
        let facts = EngineRouteFacts(root: root.path, containerdBinaries: [])
        #expect(await facts.read(containerdPID: pid).routeFacts.containerd.covered, "files older than the process")

        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: root.file("/etc/containerd/conf.d/10-registry.toml"))
        let details = await facts.read(containerdPID: pid)
        #expect(details.changedSinceStart == ["/etc/containerd/conf.d/10-registry.toml"])
        #expect(!details.routeFacts.containerd.covered)
    }
}
