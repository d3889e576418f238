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

    @Test func onlySlashIsTheSystemRoot() {
        #expect(NodeRoot.host.isSystemRoot)
        #expect(NodeRoot("/").isSystemRoot)
        #expect(!NodeRoot("/tmp/x/").isSystemRoot)
        #expect(!NodeRoot(hostRoot: "/host").isSystemRoot)
        #expect(NodeRoot("/tmp/x/").description == "/tmp/x")
    }

    /// A `--root` directory is a sandbox, whose programs are never run; `/` and a host root are the node.
    @Test func onlyTheNodeMayBeExecuted() {
        #expect(NodeRoot("/tmp/x").kind == .sandbox && !NodeRoot("/tmp/x").mayExecute)
        #expect(NodeRoot("/").kind == .host && NodeRoot("/").mayExecute && !NodeRoot("/").isMountedHost)
        let host = NodeRoot(hostRoot: "/host/")
        #expect(host.kind == .host && host.mayExecute && host.isMountedHost)
        #expect(host.onDisk("/etc/os-release") == "/host/etc/os-release")
        #expect(host != NodeRoot("/host"), "the same directory as a sandbox is another root")
    }

    /// The node's bus under a host root; `/` and sandboxes have none of their own.
    @Test func theSystemBusOfAHostRootIsUnderIt() {
        #expect(NodeRoot(hostRoot: "/host").systemBusAddress == "unix:path=/host/run/dbus/system_bus_socket")
        #expect(NodeRoot("/host").systemBusAddress == nil)
        #expect(NodeRoot.host.systemBusAddress == nil)
    }
}
