import Foundation
import Testing
import TrustmendCore
import TrustmendStore

/// A process killed between an atomic write's create and its rename leaves `.trustmend-PID-N.tmp`
/// beside the anchors (the crash-consistency test caught one once): the next write or delete in that
/// directory takes it away, while a running process's temporary and any other file stay.
@Suite struct LeftoverTemporaryTests {
    /// The PID of a process that has exited.
    func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aKilledWritersTemporaryIsSweptAndNothingElse() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        let store = SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolTimeout: .seconds(20))
        let directory = "/usr/local/share/ca-certificates"
        let dead = "\(directory)/.trustmend-\(try deadPID())-12345.tmp"
        let live = "\(directory)/.trustmend-\(getppid())-777.tmp"
        let other = "\(directory)/.trustmend-notes.tmp"
        let anchor = "\(directory)/trustmend-" + String(repeating: "cd", count: 32) + ".crt"
        for path in [dead, live, other, anchor] { try root.write(path, "x\n", mode: 0o644) }

        try store.delete([anchor])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: root.file(directory)))
        #expect(!left.contains(String(dead.split(separator: "/").last!)), "\(left)")
        #expect(left.contains(String(live.split(separator: "/").last!)), "\(left)")
        #expect(left.contains(".trustmend-notes.tmp"), "\(left)")
    }

    /// The state directory's (ledger, state) are swept once, when the daemon prepares it at start.
    @Test func theStateDirectorysAreSweptAtStart() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        let directory = root.file("/var/lib/trustmend")
        try root.write("/var/lib/trustmend/ledger.json", "{}\n", mode: 0o600)
        let dead = ".trustmend-\(try deadPID())-1.tmp"
        try root.write("/var/lib/trustmend/" + dead, "x\n", mode: 0o600)
        try StateDirectory.prepare(directory)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        #expect(left == ["ledger.json"], "\(left)")
    }
}
