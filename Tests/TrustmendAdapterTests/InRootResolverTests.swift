import Foundation
import Glibc
import SystemPackage
import Testing
import TrustmendCore
@testable import TrustmendStore

/// Node paths under a root resolve their links inside it, by the kernel (openat2 RESOLVE_IN_ROOT) and by
/// the user-space walk alike, on real trees (issue 18, FACTS §22).
@Suite final class InRootResolverTests {
    let tree: HostRootTree

    init() throws {
        tree = try HostRootTree(shell: false)
        try tree.write("/etc/debian_version", "the node's\n")
        try tree.link("/etc/absolute-outside", to: "/etc/debian_version")  // exists on this machine too
        try tree.link("/var/escape", to: "../../../../../../etc/debian_version")
        try tree.link("/etc/loop-a", to: "/etc/loop-b")
        try tree.link("/etc/loop-b", to: "loop-a")
        try tree.link("/etc/dir-link", to: "/etc/pki/ca-trust")
        try tree.link("/etc/to-root", to: "/")
        try tree.link("/etc/dangling", to: "/not/there/file")
    }

    deinit { tree.remove() }

    static let methods: [InRootResolver.Method] = [.kernel, .userspace]

    /// (node path, where it must land in the tree)
    static let cases: [(String, String)] = [
        ("/etc/pki/tls/certs/ca-bundle.crt", HostRootTree.bundle),  // RHEL's absolute link, re-rooted
        ("/etc/os-release", "/usr/lib/os-release"),  // relative link
        ("/etc/absolute-outside", "/etc/debian_version"),  // the tree's file, not this machine's
        ("/var/escape", "/etc/debian_version"),  // `..` past the root stays at the root
        ("/../../etc/debian_version", "/etc/debian_version"),
        ("/etc/dir-link/extracted/pem/tls-ca-bundle.pem", HostRootTree.bundle),  // a link in the middle
        ("/etc/dir-link/../tls/certs/ca-bundle.crt", HostRootTree.bundle),  // `..` after a link is the target's parent
        ("/etc/to-root/etc/to-root/etc/machine-id", "/etc/machine-id"),
        ("/etc/new/dir/file.crt", "/etc/new/dir/file.crt"),  // not there yet: taken as written
        ("/etc/dir-link/new.crt", "/etc/pki/ca-trust/new.crt"),
        ("/etc/dangling", "/not/there/file"),  // a dangling absolute link stays inside too
        ("/", ""),
    ]

    @Test(arguments: methods, cases)
    func linksResolveInsideTheRoot(method: InRootResolver.Method, pathCase: (String, String)) throws {
        let (nodePath, expected) = pathCase
        if method == .kernel { try #require(InRootResolver.kernelHasOpenat2, "openat2 (Linux 5.6)") }
        let resolver = InRootResolver(root: tree.path, method: method)
        #expect(try resolver.resolve(nodePath).get() == tree.path + expected)
    }

    @Test(arguments: methods)
    func aLoopIsELOOPAndNothingIsOpened(method: InRootResolver.Method) throws {
        if method == .kernel { try #require(InRootResolver.kernelHasOpenat2, "openat2 (Linux 5.6)") }
        let resolver = InRootResolver(root: tree.path, method: method)
        #expect(resolver.resolve("/etc/loop-a") == .failure(.tooManySymbolicLinkLevels))
        // The store then opens a path that cannot exist, rather than letting the kernel follow the links.
        let onDisk = NodeRoot(hostRoot: tree.path).resolved("/etc/loop-a")
        #expect(onDisk.hasPrefix("/proc/self/fd/-1/"))
        #expect(Syscalls.lstatus(onDisk) == nil)
    }

    /// The reading that failed in a pod (FACTS §22): the RHEL bundle through its absolute link.
    @Test func theRHELBundleIsTheNodesUnderAHostRoot() throws {
        try tree.write(HostRootTree.bundle, "-----BEGIN CERTIFICATE-----\nnode\n-----END CERTIFICATE-----\n")
        let store = SystemAnchorStore(root: NodeRoot(hostRoot: tree.path), profile: .profile(for: .rhel))
        #expect(try store.bundlePEM().contains("node"))
        #expect(store.onDisk("/etc/pki/tls/certs/ca-bundle.crt") == tree.file(HostRootTree.bundle))
        #expect(store.trustChangedAt() != nil)
        // docker's daemon.json through an absolute link, and os-release (relative) for the distro.
        try tree.write("/etc/docker-real/daemon.json", #"{"live-restore": true}"#)
        try tree.link("/etc/docker/daemon.json", to: "/etc/docker-real/daemon.json")
        #expect(DockerDaemonFile.read(NodeRoot(hostRoot: tree.path)).liveRestore)
    }

    /// trustmend's own files keep their last component as written: a link in an anchor's place is seen
    /// as a link (and refused by O_NOFOLLOW), never followed by the resolver.
    @Test func ownFilesAreNotFollowedAtTheirLastComponent() throws {
        try tree.link("/etc/pki/ca-trust/source/anchors/trustmend-x.crt", to: "/etc/machine-id")
        let root = NodeRoot(hostRoot: tree.path)
        #expect(root.resolvedParent("/etc/pki/ca-trust/source/anchors/trustmend-x.crt") == tree.file("/etc/pki/ca-trust/source/anchors/trustmend-x.crt"))
        #expect(root.resolvedParent("/etc/dir-link/source/anchors/trustmend-x.crt") == tree.file("/etc/pki/ca-trust/source/anchors/trustmend-x.crt"))
    }

    /// The same under `--root`: a sandbox's links stay in the sandbox too (a link planted in it cannot
    /// make trustmend read or write this machine's files).
    @Test func aSandboxsLinksStayInTheSandbox() throws {
        let root = NodeRoot(tree.path)
        #expect(root.kind == .sandbox)
        #expect(root.resolved("/etc/absolute-outside") == tree.file("/etc/debian_version"))
        #expect(root.resolved("/var/escape") == tree.file("/etc/debian_version"))
    }

    /// `/` is left to the kernel: nothing changes for the packaged daemon.
    @Test func theSystemRootIsUntouched() {
        #expect(NodeRoot.host.resolved("/etc/pki/tls/certs/ca-bundle.crt") == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(NodeRoot(hostRoot: "/").resolved("/etc/os-release") == "/etc/os-release")
    }
}
