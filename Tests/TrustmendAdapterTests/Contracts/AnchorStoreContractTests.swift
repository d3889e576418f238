import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS
import TrustmendTesting

/// `FakeAnchorStore` held to `SystemAnchorStore` (a sandbox root and the real update-ca-certificates)
/// and to `RegistryAnchorStore` (a sandbox root's `certs.d`).
@Suite struct AnchorStoreContractTests {
    /// A store on a node of its own, and a way to put a file on that node.
    struct Node: @unchecked Sendable {
        // @unchecked: `keep` only holds the sandbox alive; nothing in it is shared.
        var store: any AnchorStore
        var put: (String, String) throws -> Void
        var keep: Any?
    }

    struct Subject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () throws -> Node
    }

    static let profile = DistroProfile.profile(for: .debian)
    static let registry = try! RegistryHost(parsing: "registry.test:5000")
    static let updateTool = "/usr/sbin/update-ca-certificates"
    static var realSystemStore: Bool {
        FileManager.default.isExecutableFile(atPath: updateTool) && FileManager.default.fileExists(atPath: "/usr/share/ca-certificates/mozilla")
    }

    static func fake(_ site: FakeAnchorStore.Site) -> Subject {
        Subject(testDescription: "FakeAnchorStore") {
            let disk = FakeDisk()
            return Node(store: FakeAnchorStore(disk: disk, site: site), put: { disk.write($0, $1) })
        }
    }

    static var systemStores: [Subject] {
        let real = Subject(testDescription: "SystemAnchorStore") {
            let root = try SandboxRoot()
            return Node(store: SystemAnchorStore(root: root.path, profile: profile), put: { try root.write($0, $1, mode: 0o644) }, keep: root)
        }
        // The real store needs the distro's update tool and CAs (installed wherever test.sh runs).
        return [fake(.system(profile))] + (realSystemStore ? [real] : [])
    }

    static var registryStores: [Subject] {
        let real = Subject(testDescription: "RegistryAnchorStore") {
            let root = try SandboxRoot()
            let store = RegistryAnchorStore(root: root.path, registry: registry, engines: [.containerd, .docker], systemBundlePath: profile.bundle)
            return Node(store: store, put: { try root.write($0, $1, mode: 0o644) }, keep: root)
        }
        return [fake(.registry(registry, engines: [.containerd, .docker], systemBundle: profile.bundle)), real]
    }

    static func verifies(_ chain: PeerChain, _ store: any AnchorStore) -> Bool {
        guard let trust = try? store.existingTrustPEMs(), !trust.isEmpty else { return false }
        return trust.allSatisfy { (try? OpenSSLChainVerifier().verify(chain, againstBundle: $0, extraAnchors: [])) != nil }
    }

    /// Returns the files it leaves installed.
    @discardableResult
    func installAndTakeBack(_ node: Node) async throws -> [String] {
        let store = node.store
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        let planned = store.plannedFiles(for: [t.intermediate])
        #expect(!planned.isEmpty && planned.allSatisfy { $0.hasSuffix("/trustmend-\(t.intermediate.sha256).crt") })
        #expect(!Self.verifies(chain, store))

        #expect(try store.write([t.intermediate]) == planned)
        #expect(planned.allSatisfy(store.exists))
        #expect(try store.write([t.intermediate]) == planned, "the same certificate again: left as it is, still returned")
        _ = try await store.refresh()
        #expect(Self.verifies(chain, store))
        #expect(try store.bundlePEM().contains(t.intermediate.pem))

        // Missing, though a path the ledger may name (a store refuses any other: `LedgerPath`).
        let missing = String(planned[0][..<planned[0].lastIndex(of: "/")!]) + "/trustmend-\(String(repeating: "0", count: 16)).crt"
        let saved = try store.read(planned + [missing])
        #expect(saved.map(\.path) == planned, "a missing file is skipped")
        try store.delete(planned)
        try store.delete(planned)  // already gone: not an error
        #expect(!planned.contains(where: store.exists))
        _ = try await store.refresh()
        #expect(!Self.verifies(chain, store))

        try store.restore(saved)
        #expect(planned.allSatisfy(store.exists))
        _ = try await store.refresh()
        #expect(Self.verifies(chain, store))
        return planned
    }

    @Test(arguments: systemStores)
    func theSystemRouteInstallsRebuildsAndTakesBack(_ subject: Subject) async throws {
        let node = try subject.make()
        #expect(node.store.route == .system && node.store.restartsEngines && node.store.registry == nil)
        #expect(node.store.plannedDirectories(for: [try TestChain().intermediate]).isEmpty)
        try await installAndTakeBack(node)
    }

    /// When the bundle last changed decides whether an engine is owed a restart (issue 16, item 6): every
    /// rebuild moves it forward, nothing else does; the registry route restarts nothing and has none.
    @Test(arguments: systemStores + registryStores)
    func theBundlesChangeTimeFollowsEachRebuild(_ subject: Subject) async throws {
        let store = try subject.make().store
        guard store.restartsEngines else {
            _ = try await store.refresh()
            #expect(store.trustChangedAt() == nil)
            return
        }
        let before = Date()
        _ = try await store.refresh()
        let first = try #require(store.trustChangedAt())
        // A file's times come from the kernel's coarse clock, a jiffy behind at most.
        #expect(first >= before.addingTimeInterval(-0.05) && first <= Date())
        #expect(store.trustChangedAt() == first, "reading changes nothing")
        try await Task.sleep(for: .milliseconds(20))
        _ = try await store.refresh()
        #expect(try #require(store.trustChangedAt()) > first)
    }

    @Test(arguments: registryStores)
    func theRegistryRouteInstallsTakesBackAndPrunesItsDirectories(_ subject: Subject) async throws {
        let node = try subject.make()
        let store = node.store
        #expect(store.route == .registry && !store.restartsEngines && store.registry == Self.registry)
        let anchor = try TestChain().intermediate
        let directories = ["/etc/containerd/certs.d/registry.test:5000", "/etc/docker/certs.d/registry.test:5000"]
        #expect(store.plannedDirectories(for: [anchor]) == directories)
        let installed = try await installAndTakeBack(node)
        #expect(store.plannedDirectories(for: [anchor]).isEmpty, "made by the write")
        store.pruneDirectories(directories)
        #expect(store.plannedDirectories(for: [anchor]).isEmpty, "not empty: kept")
        try store.delete(installed)
        store.pruneDirectories(directories)
        #expect(store.plannedDirectories(for: [anchor]) == directories, "empty again, so pruned")
    }

    /// On the registry route what an engine trusts for sure is its own certs.d: a running engine holds the
    /// system roots it loaded at its start, so a CA the bundle gained since does not count (the old-node
    /// e2e's dockerd, started before containerd's repair changed the bundle).
    @Test(arguments: registryStores)
    func theRegistryRouteDoesNotCountTheSystemBundle(_ subject: Subject) throws {
        let node = try subject.make()
        let t = try TestChain()
        try node.put(Self.profile.bundle, t.root.pem + t.intermediate.pem)
        #expect(!Self.verifies(try t.chain([t.leaf, t.intermediate]), node.store))
        #expect(try node.store.existingTrustPEMs().allSatisfy { !$0.contains(t.root.pem) })
    }

    @Test(arguments: registryStores)
    func anOperatorsHostsTomlRefusesTheRegistryRoute(_ subject: Subject) throws {
        let node = try subject.make()
        try node.store.preflight()
        try node.put("/etc/containerd/certs.d/registry.test:5000/hosts.toml", "server = \"https://registry.test:5000\"\n")
        #expect(throws: (any Error).self) { try node.store.preflight() }
    }
}
