import Foundation
import Testing

/// kubelet's ConfigMap directory has an emptyDir's mode, 0777, and is mounted read-only in the container:
/// nobody can write through that mount, so its mode does not refuse the file. A 0777 directory that is
/// merely under a read-only mount (systemd's ProtectSystem=strict) is refused as before: outside the
/// unit's namespace it is writable.
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
struct ReadOnlyMountTests {
    let base = NSTemporaryDirectory() + "trustmend-romount-" + UUID().uuidString
    var directory: String { base + "/etc/trustmend" }

    /// `setup` runs in a private mount namespace, then `trustmend list` reads the configuration there.
    func list(after setup: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            \(setup)
            '\(CommandLineTests.binary)' list --config '\(directory)/config.yaml' 2>&1 || true
            echo "status=$?"
            """
        return try Shell.run("unshare --mount --propagation private sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))'")
    }

    @Test func theTopOfAReadOnlyMountIsTrustedWhateverItsMode() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A file system of its own at the directory, as kubelet's bind mount is, made 0777 and read-only.
        let output = try list(after: """
            mount -t tmpfs -o mode=0777 tmpfs '\(directory)'
            printf 'mode: report\\n' >'\(directory)/config.yaml'; chmod 0644 '\(directory)/config.yaml'
            mount -o remount,ro '\(directory)'
            """)
        #expect(!output.contains("refusing"), "\(output)")
        #expect(output.contains("No anchors installed"), "\(output)")
    }

    @Test func aDirectoryUnderAReadOnlyMountIsNot() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let output = try list(after: """
            printf 'mode: report\\n' >'\(directory)/config.yaml'; chmod 0644 '\(directory)/config.yaml'; chmod 0777 '\(directory)'
            mount --bind '\(base)' '\(base)'; mount -o remount,bind,ro '\(base)'
            """)
        #expect(output.contains("refusing the directory \(directory) above the configuration"), "\(output)")
        #expect(output.contains("writable by others"), "\(output)")
    }

    @Test func aWritableTopOfAMountIsNot() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let output = try list(after: """
            mount -t tmpfs -o mode=0777 tmpfs '\(directory)'
            printf 'mode: report\\n' >'\(directory)/config.yaml'; chmod 0644 '\(directory)/config.yaml'
            """)
        #expect(output.contains("writable by others"), "\(output)")
    }
}
