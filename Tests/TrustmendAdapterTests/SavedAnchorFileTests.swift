import Foundation
import Testing
import TrustmendCore
import TrustmendStore

/// A file a rollback puts back comes back with the bytes and the mode it had: the mode travels with the
/// saved file (it used to wait in a process-wide table keyed by path, never cleared after a removal).
@Suite struct SavedAnchorFileTests {
    @Test func deletedAndRestoredKeepsItsMode() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        let store = SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolTimeout: .seconds(20))
        let path = "/usr/local/share/ca-certificates/trustmend-" + String(repeating: "ab", count: 8) + ".crt"
        try root.write(path, "pem bytes\n", mode: 0o600)
        let saved = try store.read([path])
        #expect(saved.map(\.mode) == [0o600])
        try store.delete([path])
        #expect(!FileManager.default.fileExists(atPath: root.file(path)))
        try store.restore(saved)
        #expect(root.read(path) == "pem bytes\n")
        let mode = try FileManager.default.attributesOfItem(atPath: root.file(path))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
