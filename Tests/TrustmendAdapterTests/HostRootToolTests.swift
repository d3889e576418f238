import Foundation
import Glibc
import Testing
import TrustmendCore
@testable import TrustmendStore

/// Only a host root's programs run, and they run in it: the node's update tool is executed chrooted into
/// the host root (/ is the root, its effects land in the tree), while nothing in a `--root` sandbox is
/// ever executed (issue 18, item 3; SECURITY.md).
@Suite(.enabled(if: HostRootTree.shellAvailable, "needs root (chroot) and dash"))
final class HostRootToolTests {
    let tree: HostRootTree

    /// The fake `update-ca-trust`: writes where it ran, its environment and its arguments into the tree,
    /// using nothing but the shell's builtins (the tree has no other program).
    static let tool = """
        #!/bin/sh
        [ -f /only-in-the-tree ] || exit 9
        echo "ran in $(pwd) args=$* PATH=$PATH HOME=${HOME-unset} ROOT=${TRUSTMEND_ROOT-unset}" > /tool-ran
        echo "# rebuilt by the node's tool" >> /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
        echo "to stdout"
        echo "to stderr" >&2
        """

    init() throws {
        tree = try HostRootTree()
        try tree.write("/only-in-the-tree", "")
        try tree.write("/usr/bin/update-ca-trust", Self.tool, mode: 0o755)
        // Debian's tool in the same tree: a sandbox with the Debian row must not run it either.
        try tree.write("/usr/sbin/update-ca-certificates", Self.tool, mode: 0o755)
    }

    deinit { tree.remove() }

    @Test func aHostRootRunsTheNodesToolInsideTheRoot() async throws {
        let store = SystemAnchorStore(root: NodeRoot(hostRoot: tree.path), profile: .profile(for: .rhel))
        let output = try await store.refresh()
        #expect(output.contains("to stdout") && output.contains("to stderr"), "stdout and stderr are kept")
        let ran = try #require(tree.read("/tool-ran"), "the tool wrote inside the tree")
        #expect(ran.contains("ran in / args=extract"))
        #expect(ran.contains("PATH=\(UpdateTool.fixedPath) HOME=unset ROOT=unset"), "the environment is the fixed one: \(ran)")
        #expect(tree.read(HostRootTree.bundle)?.contains("rebuilt by the node's tool") == true)
        // Read back through RHEL's absolute link, as the daemon does after the tool.
        #expect(try store.bundlePEM().contains("rebuilt by the node's tool"))
    }

    @Test(arguments: [DistroFamily.rhel, .debian])
    func aSandboxNeverRunsAnythingFromItsTree(family: DistroFamily) async throws {
        let store = SystemAnchorStore(root: NodeRoot(tree.path), profile: .profile(for: family))
        #expect(!store.nodeRoot.mayExecute)
        // RHEL: refused; Debian: this machine's update-ca-certificates with the sandbox's directories.
        _ = try? await store.refresh()
        #expect(tree.read("/tool-ran") == nil, "nothing in the sandbox ran")
        if family == .rhel {
            await #expect(throws: TrustStoreError.self) { try await store.refresh() }
        }
    }

    @Test func aToolThatFailsIsReportedWithItsOutput() async throws {
        try tree.write("/usr/bin/update-ca-trust", "#!/bin/sh\necho broken store >&2\nexit 3\n", mode: 0o755)
        let store = SystemAnchorStore(root: NodeRoot(hostRoot: tree.path), profile: .profile(for: .rhel))
        let error = await #expect(throws: TrustStoreError.self) { try await store.refresh() }
        #expect(error?.code == .toolFailed)
        #expect(error?.description.contains("exited(3)") == true && error?.description.contains("broken store") == true, "\(String(describing: error))")
    }

    @Test func aToolPastItsTimeLimitIsKilled() async throws {
        // It leaves a child behind too: the whole group goes (the tool runs in a session of its own).
        try tree.write("/usr/bin/update-ca-trust", "#!/bin/sh\n(while :; do :; done) &\necho $$ $! > /tool-pids\nwhile :; do :; done\n", mode: 0o755)
        let store = SystemAnchorStore(root: NodeRoot(hostRoot: tree.path), profile: .profile(for: .rhel), toolTimeout: .seconds(1))
        let error = await #expect(throws: TrustStoreError.self) { try await store.refresh() }
        #expect(error?.code == .toolTimedOut)
        let pids = try #require(tree.read("/tool-pids")).split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
        #expect(pids.count == 2)
        // Reaped (the tool) or killed with its group (the child it left); neither runs on.
        try await eventually("the group is gone") { pids.allSatisfy { kill($0, 0) != 0 || Self.isZombie($0) } }
        #expect(pids.allSatisfy { kill($0, 0) != 0 || Self.isZombie($0) })
    }

    /// A killed child not yet reaped by its parent (here: init, in a container) is gone in all but name.
    static func isZombie(_ pid: pid_t) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.dropFirst().first == "Z"
    }

    @Test func aNodeWithoutTheToolSaysSo() async throws {
        try FileManager.default.removeItem(atPath: tree.file("/usr/bin/update-ca-trust"))
        let store = SystemAnchorStore(root: NodeRoot(hostRoot: tree.path), profile: .profile(for: .rhel))
        let error = await #expect(throws: TrustStoreError.self) { try await store.refresh() }
        #expect(error?.code == .toolMissing)
        #expect(error?.description.contains(tree.path) == true)
    }
}

/// What is taken for a host root: a node's `/`, or a specific refusal.
@Suite final class HostRootCheckTests {
    let tree: HostRootTree
    init() throws { tree = try HostRootTree(shell: false) }
    deinit { tree.remove() }

    @Test func aNodeTreeIsTaken() throws {
        let root = try NodeRoot.checkedHostRoot(tree.path)
        #expect(root.kind == .host && root.mayExecute && root.isMountedHost)
    }

    @Test func eachRefusalNamesItsReason() throws {
        #expect(throws: HostRootError.self) { try NodeRoot.checkedHostRoot("host") }
        func code(_ path: String) -> HostRootError.Code? {
            do { _ = try NodeRoot.checkedHostRoot(path) } catch { return error.code }
            return nil
        }
        #expect(code("relative/path") == .notAbsolute)
        #expect(code(tree.path + "/nothing-here") == .missing)
        #expect(code(tree.file("/etc/machine-id")) == .notDirectory)
        let empty = tree.file("/srv/empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(code(empty) == .noOSRelease)
        // os-release as an absolute link to a file that is only on this machine does not count.
        try tree.link("/srv/empty/etc/os-release", to: "/usr/lib/os-release")
        #expect(code(empty) == .noOSRelease)
        chmod(tree.path, 0o775)
        #expect(code(tree.path) == .writableByOthers)
        chmod(tree.path, 0o755)
        chown(tree.path, 1000, 1000)
        #expect(code(tree.path) == .notOwnedByRoot)
        chown(tree.path, 0, 0)
        #expect(code(tree.path) == nil)
    }
}
