import Foundation
import Testing

/// The package's removal scripts as dpkg and rpm run them (issue 16, item 12): `record-state.sh` (deb
/// prerm remove, rpm %preun on erase) asks the binary where the state is, and `purge.sh` (postrm purge,
/// %postun) cleans there after the binary and the configuration are gone. They write /etc and /var/lib,
/// so they run in a mount namespace of their own, over overlays of both: this machine's files never
/// change.
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
struct PurgeScriptTests {
    static let packaging = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("packaging")

    /// Runs `body` (sh) in a private mount namespace where /etc and /var/lib are overlays; its stdout.
    static func inNamespace(_ body: String) throws -> String {
        let work = NSTemporaryDirectory() + "trustmend-purge-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: work) }
        let script = """
            set -e
            for d in /etc /var/lib; do
                mkdir -p "\(work)/upper$d" "\(work)/work$d"
                mount -t overlay overlay -o "lowerdir=$d,upperdir=\(work)/upper$d,workdir=\(work)/work$d" "$d"
            done
            \(body)
            """
        return try Shell.run("unshare --mount --propagation private sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))'")
    }

    /// With `state_directory: /var/lib/trustmend-elsewhere`, purge removes the certs.d directory listed in
    /// that directory's created-directories and trustmend's files there, keeps an operator's file (and so
    /// the directory), and removes /var/lib/trustmend.
    @Test func purgeCleansTheStateDirectoryTheConfigurationNamed() throws {
        // The script calls `trustmend` by name, as dpkg and rpm run it with /usr/bin on PATH: here PATH
        // starts with a directory holding the built binary under that name.
        let bin = NSTemporaryDirectory() + "trustmend-bin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/trustmend", withDestinationPath: CommandLineTests.binary)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let recordFile = Self.packaging.appendingPathComponent("record-state.sh").path
        let registry = "/etc/docker/certs.d/purge-test.example:5000"
        let state = "/var/lib/trustmend-elsewhere"
        let output = try Self.inNamespace("""
            mkdir -p /etc/trustmend /var/lib/trustmend "\(state)" "\(registry)"
            printf 'state_directory: \(state)\\n' >/etc/trustmend/config.yaml
            chmod 0755 /etc/trustmend; chmod 0644 /etc/trustmend/config.yaml
            printf '{"entries":[],"version":1}\\n' >"\(state)/ledger.json"
            printf '{}\\n' >"\(state)/state.json"
            printf 'trustmend-heartbeat 1\\n' >"\(state)/heartbeat"
            printf '%s\\n' "\(registry)" >"\(state)/created-directories"
            echo mine >"\(state)/operator.txt"
            touch "\(registry)/trustmend-\(String(repeating: "ab", count: 32)).crt"
            PATH="\(bin):$PATH" sh "\(recordFile)"
            echo "recorded: $(cat /var/lib/trustmend/state-directory)"
            rm -rf /etc/trustmend
            sh "\(Self.packaging.appendingPathComponent("purge.sh").path)"
            echo "left: $(ls -A "\(state)" | tr '\\n' ' ')"
            if [ -e "\(registry)" ]; then echo "certs.d directory left"; fi
            if [ -e /var/lib/trustmend ]; then echo "package state left"; fi
            """)
        #expect(output.contains("recorded: \(state)\n"), "\(output)")
        #expect(output.contains("left: operator.txt \n"), "\(output)")
        #expect(!output.contains("certs.d directory left"), "\(output)")
        #expect(!output.contains("package state left"), "\(output)")
    }

    /// A record that is not a plain absolute path is ignored: purge cleans /var/lib/trustmend only.
    @Test(arguments: ["/var/lib/../etc", "relative/path", "/var/lib/./x", ""])
    func aRecordOfAnotherShapeIsIgnored(recorded: String) throws {
        let output = try Self.inNamespace("""
            mkdir -p /var/lib/trustmend /var/lib/x
            printf '%s\\n' '\(recorded)' >/var/lib/trustmend/state-directory
            touch /etc/ledger.json /var/lib/x/ledger.json
            sh "\(Self.packaging.appendingPathComponent("purge.sh").path)"
            for f in /etc/ledger.json /var/lib/x/ledger.json; do if [ -e "$f" ]; then echo "kept $f"; fi; done
            if [ -e /var/lib/trustmend ]; then echo "package state left"; fi
            """)
        #expect(output.contains("kept /etc/ledger.json") && output.contains("kept /var/lib/x/ledger.json"), "\(output)")
        #expect(!output.contains("package state left"), "\(output)")
    }
}
