import Testing
@testable import TrustmendCore

@Suite struct NodeRootTests {
    /// `/` opens node paths as they are; a sandbox root is prefixed once, however the root was written.
    @Test(arguments: [
        ("/", "/etc/docker/daemon.json", "/etc/docker/daemon.json"),
        ("/tmp/x", "/etc/docker/daemon.json", "/tmp/x/etc/docker/daemon.json"),
        ("/tmp/x/", "/etc/os-release", "/tmp/x/etc/os-release"),
        ("/tmp//x//", "/var/log/journal", "/tmp/x/var/log/journal"),
    ])
    func mapsNodePaths(root: String, nodePath: String, onDisk: String) {
        #expect(NodeRoot(root).onDisk(nodePath) == onDisk)
    }

    @Test func onlySlashIsTheHost() {
        #expect(NodeRoot.host.isHost)
        #expect(NodeRoot("/").isHost)
        #expect(!NodeRoot("/tmp/x/").isHost)
        #expect(NodeRoot("/tmp/x/").description == "/tmp/x")
    }
}
