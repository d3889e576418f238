import Foundation
import SystemPackage
import Testing
import TrustmendStore

/// The state directory the daemon makes itself where systemd is too old for `StateDirectory=` (< 235).
@Suite struct StateDirectoryTests {
    let root = try! SandboxRoot()

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func missingDirectoryIsMadeOwnerOnlyWithItsParents() throws {
        let path = root.file("/opt/trustmend/state")
        #expect(!FileManager.default.fileExists(atPath: root.file("/opt")))
        try StateDirectory.prepare(path)
        #expect(try mode(path) == 0o700)
        #expect(try mode(root.file("/opt/trustmend")) == 0o755)
    }

    @Test func existingDirectoryKeepsItsMode() throws {
        let path = root.file("/srv/state")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        try StateDirectory.prepare(path)
        #expect(try mode(path) == 0o750)
    }

    @Test func aFileInTheWayIsNamed() throws {
        try root.write("/opt/trustmend", "not a directory", mode: 0o644)
        #expect {
            try StateDirectory.prepare(root.file("/opt/trustmend/state"))
        } throws: { error in
            let failure = error as? TrustStoreError
            return failure?.code == .createDirectory && failure?.path == root.file("/opt/trustmend/state") && failure?.errno == .notDirectory
        }
    }
}
