import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS

/// The registry route on a sandbox root: real TLS servers (one sending a lone self-signed `CA:FALSE`
/// certificate), the OpenSSL verifier, the JSON ledger, an EulerOS trust store whose system route
/// refuses that certificate.
@Suite struct RegistryRouteTests {
    let pki: TestPKI
    let root: SandboxRoot
    let profile: DistroProfile

    init() throws {
        pki = try TestPKI()
        root = try SandboxRoot(osRelease: SandboxRoot.eulerOSRelease)
        profile = try DistroProfile.select(for: OSRelease(parsing: SandboxRoot.eulerOSRelease))
        try root.write("/update-ca-trust", RepairTests.rhelStandIn)
    }

    func repairer(_ registry: String, engines: [RegistryEngine] = [.containerd, .docker]) throws -> Repairer {
        Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: RegistryAnchorStore(
                root: root.path, registry: try RegistryHost(parsing: registry), engines: engines, systemBundlePath: profile.bundle),
            ledger: JSONLedgerStore(root: root.path), profile: profile,
            otherRoutes: [SystemAnchorStore(root: root.path, profile: profile, toolOverride: root.file("/update-ca-trust"))])
    }

    func request(_ server: TestServer) throws -> RepairRequest {
        RepairRequest(
            endpoint: try Endpoint(host: "localhost", port: server.port),
            fetchOptions: FetchOptions(connectTimeout: .seconds(3), handshakeTimeout: .seconds(3)))
    }

    func selfSigned() throws -> TestServer { try TestServer.tls(pki: pki, cert: "self.pem", key: "self.key", chain: nil) }

    @Test func aSelfSignedCAFalseRegistryIsRepairedOnARHELNode() async throws {
        let server = try selfSigned()
        let registry = "localhost:\(server.port)"
        let outcome = try await repairer(registry).repair(request(server))
        guard case .installed(let plan, let entries) = outcome else {
            Issue.record("expected an install, got \(outcome)")
            return
        }
        let name = "trustmend-\(try pki.sha256("self.pem")).crt"
        #expect(plan.files == ["/etc/containerd/certs.d/\(registry)/\(name)", "/etc/docker/certs.d/\(registry)/\(name)"])
        for file in plan.files {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.file(file))
            #expect((attributes[.posixPermissions] as? Int) == 0o644)
            // Go takes any certificate in its pool as an anchor; OpenSSL agrees with -partial_chain.
            _ = try Shell.run("openssl verify -partial_chain -CAfile \(root.file(file)) \(pki.path("self.pem"))")
        }
        let directory = try FileManager.default.attributesOfItem(atPath: root.file("/etc/docker/certs.d/\(registry)"))
        #expect((directory[.posixPermissions] as? Int) == 0o755)
        #expect(root.list("/etc/pki/ca-trust/source/anchors").isEmpty, "the system store is not touched")
        #expect(entries.count == 1)
        #expect(entries[0].route == .registry && entries[0].registry == registry && entries[0].files == plan.files)
        #expect(entries[0].directories == ["/etc/containerd/certs.d/\(registry)", "/etc/docker/certs.d/\(registry)"])
        #expect(try JSONLedgerStore(root: root.path).load().entries == entries)
        let created = try String(contentsOfFile: root.file("/var/lib/trustmend/created-directories"), encoding: .utf8)
        #expect(created == "/etc/containerd/certs.d/\(registry)\n/etc/docker/certs.d/\(registry)\n")

        guard case .alreadyInstalled = try await repairer(registry).repair(request(server)) else {
            Issue.record("a second run must change nothing")
            return
        }
    }

    @Test func theSystemRouteOfTheSameNodeRefusesIt() async throws {
        let server = try selfSigned()
        let system = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolOverride: root.file("/update-ca-trust")),
            ledger: JSONLedgerStore(root: root.path), profile: profile)
        let error = await #expect(throws: RepairError.self) { try await system.repair(request(server)) }
        #expect(error?.code == .refused)
        #expect(error?.description.contains("registry route") == true, "the refusal names the way out")
        #expect(root.list("/etc/pki/ca-trust/source/anchors").isEmpty)
    }

    @Test func aTokenHostsCAGoesIntoItsRegistrysDirectory() async throws {
        let server = try TestServer.tls(pki: pki)
        let outcome = try await repairer("registry.corp.example", engines: [.containerd]).repair(request(server))
        guard case .installed(_, let entries) = outcome else {
            Issue.record("expected an install, got \(outcome)")
            return
        }
        #expect(root.list("/etc/containerd/certs.d/registry.corp.example").count == 1)
        #expect(entries[0].host == "localhost" && entries[0].registry == "registry.corp.example")
        // remove by the registry's name finds it.
        let removed = try await repairer("registry.corp.example").remove(.host("registry.corp.example"))
        #expect(removed == entries)
    }

    @Test func removeTakesBackOnlyTrustmendsFilesAndTheDirectoriesItCreated() async throws {
        let server = try selfSigned()
        let registry = "localhost:\(server.port)"
        // The operator already keeps a client certificate for this registry in docker's directory.
        try root.write("/etc/docker/certs.d/\(registry)/client.cert", "operator's", mode: 0o644)
        _ = try await repairer(registry).repair(request(server))
        let ledger = try JSONLedgerStore(root: root.path).load()
        #expect(ledger.entries[0].directories == ["/etc/containerd/certs.d/\(registry)"])

        let removed = try await repairer(registry).remove(.all)
        #expect(removed.count == 1)
        #expect(!FileManager.default.fileExists(atPath: root.file("/etc/containerd/certs.d/\(registry)")), "created by trustmend: gone")
        #expect(root.list("/etc/docker/certs.d/\(registry)") == ["client.cert"], "the operator's directory and file stay")
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    /// containerd fails first, docker later, on the same registry: two installs of one anchor. The ledger
    /// keeps both files (it kept only the second, so the purge left containerd's directory behind: found
    /// by the end-to-end test), and a crash during the second keeps the first's file.
    @Test func engineByEngineTheLedgerKeepsEveryFile() async throws {
        let server = try selfSigned()
        let registry = "localhost:\(server.port)"
        let name = "trustmend-\(try pki.sha256("self.pem")).crt"
        let containerd = "/etc/containerd/certs.d/\(registry)", docker = "/etc/docker/certs.d/\(registry)"
        _ = try await repairer(registry, engines: [.containerd]).repair(request(server))
        let first = try JSONLedgerStore(root: root.path).load().entries

        // A crash with docker's install pending: recovery takes docker's file, never containerd's.
        var pending = first[0]
        pending.state = .pending
        pending.files = [docker + "/" + name]
        pending.directories = [docker]
        try root.write(docker + "/" + name, try pki.pem("self.pem"), mode: 0o644)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: first + [pending]))
        #expect(try await repairer(registry, engines: [.docker]).recover() == [pending])
        #expect(root.list(containerd) == [name], "containerd's anchor survives the rollback")
        #expect(!FileManager.default.fileExists(atPath: root.file(docker)))
        #expect(try JSONLedgerStore(root: root.path).load().entries == first)

        _ = try await repairer(registry, engines: [.docker]).repair(request(server))
        let entries = try JSONLedgerStore(root: root.path).load().entries
        #expect(entries.count == 1)
        #expect(entries.first?.files == [containerd + "/" + name, docker + "/" + name])
        #expect(entries.first?.directories == [containerd, docker])
        let created = try String(contentsOfFile: root.file("/var/lib/trustmend/created-directories"), encoding: .utf8)
        #expect(created == "\(containerd)\n\(docker)\n", "what the purge script reads")

        #expect(try await repairer(registry).remove(.all).count == 1)
        #expect(!FileManager.default.fileExists(atPath: root.file(containerd)))
        #expect(!FileManager.default.fileExists(atPath: root.file(docker)))
    }

    @Test func anOperatorsHostsTomlIsNeverRewritten() async throws {
        let server = try selfSigned()
        let registry = "localhost:\(server.port)"
        let hosts = "server = \"https://\(registry)\"\n[host.\"https://\(registry)\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
        try root.write("/etc/containerd/certs.d/\(registry)/hosts.toml", hosts, mode: 0o644)
        let error = await #expect(throws: RepairError.self) { try await repairer(registry).repair(request(server)) }
        #expect(error?.code == .refused)
        #expect(error?.description.contains("hosts.toml") == true)
        #expect(root.list("/etc/containerd/certs.d/\(registry)") == ["hosts.toml"])
        #expect(root.read("/etc/containerd/certs.d/\(registry)/hosts.toml") == hosts)
        #expect(!FileManager.default.fileExists(atPath: root.file("/etc/docker/certs.d/\(registry)")), "nothing written for docker either")
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    @Test func aCrashMidInstallIsRolledBackWithItsDirectory() async throws {
        let directory = "/etc/docker/certs.d/registry.corp.example"
        try root.write(directory + "/trustmend-0123456789abcdef.crt", try pki.pem("int.pem"), mode: 0o644)
        let pending = LedgerEntry(
            host: "registry.corp.example", port: 443, sha256: String(repeating: "0", count: 64), subject: "CN=x", issuer: "CN=x",
            notAfter: Date(), files: [directory + "/trustmend-0123456789abcdef.crt"], route: .registry, installedAt: Date(),
            reason: "manual", state: .pending, registry: "registry.corp.example", directories: [directory])
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [pending]))
        let recovered = try await repairer("registry.corp.example").recover()
        #expect(recovered == [pending])
        #expect(!FileManager.default.fileExists(atPath: root.file(directory)))
    }

    @Test func aDamagedLedgerCannotDeleteOtherFiles() async throws {
        try root.write("/etc/docker/certs.d/r.example/ca.crt", "operator's", mode: 0o644)
        let forged = LedgerEntry(
            host: "r.example", port: 443, sha256: String(repeating: "1", count: 64), subject: "CN=x", issuer: "CN=x", notAfter: Date(),
            files: ["/etc/docker/certs.d/r.example/ca.crt"], route: .registry, installedAt: Date(), reason: "manual", state: .installed)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [forged]))
        await #expect(throws: RegistryRouteError.self) { try await repairer("r.example").remove(.all) }
        #expect(root.read("/etc/docker/certs.d/r.example/ca.crt") == "operator's")
    }

    /// The rollback after a refused path used to rewrite the file it had read (mode 0644, a new inode):
    /// a path the ledger may not name is neither read, nor deleted, nor restored.
    @Test func aRefusedLedgerPathKeepsItsModeAndInode() async throws {
        let secret = "/etc/docker/certs.d/r.example/client.key"
        try root.write(secret, "private", mode: 0o600)
        let before = try FileManager.default.attributesOfItem(atPath: root.file(secret))
        let forged = LedgerEntry(
            host: "r.example", port: 443, sha256: String(repeating: "1", count: 64), subject: "CN=x", issuer: "CN=x", notAfter: Date(),
            files: [secret], route: .registry, installedAt: Date(), reason: "manual", state: .installed)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [forged]))
        await #expect(throws: RegistryRouteError.self) { try await repairer("r.example").remove(.all) }
        #expect(throws: RegistryRouteError.self) {
            try RegistryAnchorStore.remover(root: root.path).restore([SavedAnchorFile(path: secret, contents: Array("replaced".utf8))])
        }
        let after = try FileManager.default.attributesOfItem(atPath: root.file(secret))
        #expect((after[.posixPermissions] as? Int) == 0o600)
        #expect((after[.systemFileNumber] as? Int) == (before[.systemFileNumber] as? Int))
        #expect(root.read(secret) == "private")
        #expect(try JSONLedgerStore(root: root.path).load().entries == [forged])
    }

    /// `..` in a registry path, and a name that is not `trustmend-<hex>.crt`, are refused before anything is deleted.
    @Test func registryLedgerPathsAreExactlyTheCertsDForm() {
        #expect(LedgerPath.isRegistryAnchor("/etc/docker/certs.d/r.example/trustmend-0123456789abcdef.crt"))
        #expect(LedgerPath.isRegistryAnchor("/etc/containerd/certs.d/r.example:5000/trustmend-\(String(repeating: "a", count: 64)).crt"))
        for bad in [
            "/etc/docker/certs.d/../certs.d/r.example/trustmend-0123456789abcdef.crt",
            "/etc/docker/certs.d/r.example/../../../../etc/trustmend-0123456789abcdef.crt",
            "/etc/docker/certs.d/./trustmend-0123456789abcdef.crt", "/etc/docker/certs.d/r.example//trustmend-0123456789abcdef.crt",
            "/etc/docker/certs.d/r.example/trustmend-x.crt", "/etc/docker/certs.d/r.example/trustmend-0123456789ABCDEF.crt",
            "/etc/docker/certs.d/r.example/ca.crt", "etc/docker/certs.d/r.example/trustmend-0123456789abcdef.crt",
            "/etc/docker/certs.d/trustmend-0123456789abcdef.crt",
        ] {
            #expect(!LedgerPath.isRegistryAnchor(bad), "\(bad)")
        }
    }

    /// A failed write takes back only what it wrote: a file that already held the anchor (another
    /// install may rely on it) stays.
    @Test func aFailedWriteKeepsTheFileThatWasAlreadyThere() async throws {
        let server = try selfSigned()
        let registry = "localhost:\(server.port)"
        let name = "trustmend-\(try pki.sha256("self.pem")).crt"
        try root.write("/etc/containerd/certs.d/\(registry)/\(name)", try pki.pem("self.pem"), mode: 0o644)
        // docker's file cannot be written: a directory stands where it goes.
        try FileManager.default.createDirectory(atPath: root.file("/etc/docker/certs.d/\(registry)/\(name)"), withIntermediateDirectories: true)
        let error = await #expect(throws: RepairError.self) { try await repairer(registry).repair(request(server)) }
        #expect(error?.code == .write)
        #expect(root.read("/etc/containerd/certs.d/\(registry)/\(name)") == (try pki.pem("self.pem")))
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    /// Removing anchors of both routes when the system rebuild fails: everything is put back, the
    /// registry route's files too, so the unchanged ledger still matches the disk.
    @Test func aFailedRebuildPutsBackBothRoutes() async throws {
        let selfSigned = try selfSigned()
        let registry = "localhost:\(selfSigned.port)"
        _ = try await repairer(registry).repair(request(selfSigned))
        let system = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolOverride: root.file("/update-ca-trust")),
            ledger: JSONLedgerStore(root: root.path), profile: profile)
        let chained = try TestServer.tls(pki: pki)
        _ = try await system.repair(request(chained))
        let before = try JSONLedgerStore(root: root.path).load()
        #expect(Set(before.entries.map(\.route)) == [.registry, .system])

        let failing = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolOverride: "/bin/false"),
            ledger: JSONLedgerStore(root: root.path), profile: profile, otherRoutes: [RegistryAnchorStore.remover(root: root.path)])
        await #expect(throws: (any Error).self) { try await failing.remove(.all) }
        #expect(try JSONLedgerStore(root: root.path).load() == before)
        for file in before.entries.flatMap(\.files) {
            #expect(FileManager.default.fileExists(atPath: root.file(file)), "\(file) must be back")
        }
    }

    /// What doctor reports: files that break a registry's pulls, and trustmend's own files.
    @Test func brokenCertsDFilesAreFoundAndGoodOnesAreNot() throws {
        try root.write("/etc/docker/certs.d/a.example/ca.crt", "not a certificate\n", mode: 0o644)
        try root.write("/etc/docker/certs.d/a.example/client.key", "a key\n", mode: 0o644)
        try root.write("/etc/containerd/certs.d/b.example/hosts.toml", "server = \"https://b.example\"\n[host\n", mode: 0o644)
        try root.write("/etc/containerd/certs.d/c.example/hosts.toml", "server = \"https://c.example\"\n", mode: 0o644)
        try root.write("/etc/containerd/certs.d/c.example/trustmend-0123456789abcdef.crt", try pki.pem("int.pem"), mode: 0o644)
        let store = RegistryAnchorStore.remover(root: root.path)
        let broken = store.brokenFiles()
        #expect(broken.map(\.path) == ["/etc/containerd/certs.d/b.example/hosts.toml", "/etc/docker/certs.d/a.example/ca.crt"])
        #expect(broken.last?.problem.contains("docker fails every pull from a.example") == true)
        #expect(store.trustmendFiles() == ["/etc/containerd/certs.d/c.example/trustmend-0123456789abcdef.crt"])
    }
}
