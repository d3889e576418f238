import Foundation
import Testing

/// kubelet's ConfigMap directory has an emptyDir's mode, 0777, and is mounted read-only in the container:
/// nobody can write through that mount, so its mode does not refuse the file; the same directory
/// writable is refused as before.
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
struct ReadOnlyMountTests {
    @Test func aWorldWritableDirectoryOnAReadOnlyMountIsTrusted() throws {
        let base = NSTemporaryDirectory() + "trustmend-romount-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: base) }
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": "mode: report\n"])
        try #require(chmod(mount.path, 0o777) == 0)
        let list = "'\(CommandLineTests.binary)' list --config '\(mount.file("config.yaml"))'"
        let writable = try CommandLineTests.run(["list", "--config", mount.file("config.yaml")])
        #expect(writable.status == 78 && writable.stderr.contains("writable by others"), "\(writable.stderr)")
        let output = try Shell.run(
            "unshare --mount --propagation private sh -c \"mount --bind '\(mount.path)' '\(mount.path)' && mount -o remount,bind,ro '\(mount.path)' && \(list.replacingOccurrences(of: "\"", with: "\\\"")); echo status=\\$?\"")
        #expect(output.contains("status=0"), "\(output)")
    }
}
