import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTLS

/// The repair end to end on a sandbox root: a real TLS server, the real update-ca-certificates (Debian
/// family), the OpenSSL verifier, the JSON ledger.
@Suite struct RepairTests {
    let pki: TestPKI
    let root: SandboxRoot

    init() throws {
        pki = try TestPKI()
        root = try SandboxRoot()
    }

    func repairer(profile: DistroProfile = .profile(for: .debian), tool: String? = nil) -> Repairer {
        Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(),
            store: SystemAnchorStore(root: root.path, profile: profile, toolOverride: tool, toolTimeout: .seconds(20)),
            ledger: JSONLedgerStore(root: root.path), profile: profile)
    }

    func request(_ server: TestServer, pins: Set<String> = [], dryRun: Bool = false) throws -> RepairRequest {
        RepairRequest(
            endpoint: try Endpoint(host: "localhost", port: server.port),
            fetchOptions: FetchOptions(connectTimeout: .seconds(3), handshakeTimeout: .seconds(3)), pins: pins, dryRun: dryRun)
    }

    var bundle: String { root.file("/etc/ssl/certs/ca-certificates.crt") }

    func verifiesWithOpenSSL() -> Bool {
        (try? Shell.run("openssl verify -partial_chain -CAfile \(bundle) -untrusted \(pki.path("int.pem")) \(pki.path("leaf.pem"))")) != nil
    }

    @Test func installsVerifiesRecordsAndIsIdempotent() async throws {
        let server = try TestServer.tls(pki: pki)
        let outcome = try await repairer().repair(request(server, pins: [try pki.sha256("int.pem")]))
        guard case .installed(let plan, let entries) = outcome else {
            Issue.record("expected an install, got \(outcome)")
            return
        }
        let name = "trustmend-\(try pki.sha256("int.pem")).crt"
        #expect(plan.files == ["/usr/local/share/ca-certificates/\(name)"])
        #expect(root.list("/usr/local/share/ca-certificates") == [name])
        let attributes = try FileManager.default.attributesOfItem(atPath: root.file(plan.files[0]))
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        #expect(verifiesWithOpenSSL())
        #expect(entries.count == 1 && entries[0].state == .installed && entries[0].reason == "manual")
        let ledger = try JSONLedgerStore(root: root.path).load()
        #expect(ledger.entries == entries)

        guard case .alreadyInstalled = try await repairer().repair(request(server)) else {
            Issue.record("a second run must change nothing")
            return
        }
        #expect(try JSONLedgerStore(root: root.path).load() == ledger)
    }

    @Test func dryRunChangesNothing() async throws {
        let server = try TestServer.tls(pki: pki)
        let before = try String(contentsOfFile: root.file("/etc/ca-certificates.conf"), encoding: .utf8)
        guard case .planned(let plan) = try await repairer().repair(request(server, dryRun: true)) else {
            Issue.record("expected a plan")
            return
        }
        #expect(plan.anchors.map(\.subject) == ["CN=Trustmend Test Issuing CA"])
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.file(JSONLedgerStore.nodePath)))
        #expect(try String(contentsOfFile: root.file("/etc/ca-certificates.conf"), encoding: .utf8) == before)
    }

    @Test func aPinMismatchRefusesAndWritesNothing() async throws {
        let server = try TestServer.tls(pki: pki)
        let error = await #expect(throws: RepairError.self) {
            try await repairer().repair(request(server, pins: [String(repeating: "a", count: 64)]))
        }
        #expect(error?.code == .refused)
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
    }

    @Test func aFailingUpdateToolIsRolledBack() async throws {
        let server = try TestServer.tls(pki: pki)
        try root.write("/fail-tool", "#!/bin/sh\necho 'cannot write bundle: disk quota exceeded' >&2\nexit 3\n")
        let error = await #expect(throws: RepairError.self) { try await repairer(tool: root.file("/fail-tool")).repair(request(server)) }
        #expect(error?.code == .updateTool)
        #expect(error?.rolledBack == true)
        #expect(error?.description.contains("disk quota exceeded") == true)
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    @Test func aHangingUpdateToolIsKilledAndRolledBack() async throws {
        let server = try TestServer.tls(pki: pki)
        try root.write("/hang-tool", "#!/bin/sh\nsleep 600\n")
        let store = SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolOverride: root.file("/hang-tool"), toolTimeout: .seconds(1))
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(), store: store, ledger: JSONLedgerStore(root: root.path),
            profile: .profile(for: .debian))
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(request(server)) }
        #expect(error?.code == .updateTool)
        let cause = error.map { "\($0.cause)" } ?? ""
        #expect(cause.contains("did not finish in time"), "\(cause)")
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect((try? Shell.run("pgrep -f '\(root.file("/hang-tool"))'")) == nil, "the tool must be killed")
    }

    @Test func aBundleThatDoesNotTakeTheAnchorIsRolledBack() async throws {
        // A tool that succeeds but rebuilds the bundle without the new anchor: verification catches it.
        let server = try TestServer.tls(pki: pki)
        try root.write("/noop-tool", "#!/bin/sh\nexit 0\n")
        try "".write(toFile: bundle, atomically: true, encoding: .utf8)
        let error = await #expect(throws: RepairError.self) { try await repairer(tool: root.file("/noop-tool")).repair(request(server)) }
        #expect(error?.code == .verification)
        #expect(error?.rolledBack == true)
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
    }

    @Test func alreadyTrustedByTheBundleInstallsNothing() async throws {
        let server = try TestServer.tls(pki: pki)
        try Shell.run("cat \(pki.path("root.pem")) >> \(bundle)")
        guard case .alreadyTrusted = try await repairer().repair(request(server)) else {
            Issue.record("a chain the bundle already trusts needs no anchor")
            return
        }
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
    }

    /// An install vetoed (the hourly cap) still finds a trusted chain trusted; one that needs an install is
    /// refused with the veto's reason, and nothing is written.
    @Test func aVetoedInstallRefusesOnlyWhatNeedsAnInstall() async throws {
        let server = try TestServer.tls(pki: pki)
        var vetoed = try request(server)
        vetoed.installVeto = "the cap of 2 installs per hour is reached"
        let error = await #expect(throws: RepairError.self) { try await repairer().repair(vetoed) }
        #expect(error?.code == .refused)
        #expect(error.map { "\($0.cause)" } == "the chain needs an anchor installed, and the cap of 2 installs per hour is reached")
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)

        try Shell.run("cat \(pki.path("root.pem")) >> \(bundle)")
        guard case .alreadyTrusted = try await repairer().repair(vetoed) else {
            Issue.record("a chain the bundle trusts needs no install, veto or not")
            return
        }
    }

    @Test func removeTakesTheAnchorOutOfTheBundle() async throws {
        let server = try TestServer.tls(pki: pki)
        _ = try await repairer().repair(request(server))
        #expect(verifiesWithOpenSSL())
        let removed = try await repairer().remove(.all)
        #expect(removed.count == 1)
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(!verifiesWithOpenSSL())
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    @Test func removeKeepsEverythingWhenTheToolFails() async throws {
        let server = try TestServer.tls(pki: pki)
        _ = try await repairer().repair(request(server))
        try root.write("/fail-tool", "#!/bin/sh\nexit 1\n")
        await #expect(throws: TrustStoreError.self) { _ = try await repairer(tool: root.file("/fail-tool")).remove(.all) }
        #expect(root.list("/usr/local/share/ca-certificates").count == 1)
        #expect(try JSONLedgerStore(root: root.path).load().entries.count == 1)
    }

    /// A system-route entry used to delete any file it named, `..` reaching out of `--root`: now every
    /// path of the entry is checked first, and one that is not `<anchor directory>/trustmend-<hex>.crt`
    /// refuses the removal with nothing deleted.
    @Test func aLedgerNamingOtherFilesDeletesNothing() async throws {
        let anchor = "/usr/local/share/ca-certificates/trustmend-0123456789abcdef.crt"
        try root.write(anchor, try pki.pem("int.pem"), mode: 0o644)
        try root.write("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", mode: 0o644)
        let outsideName = "trustmend-outside-\(UUID().uuidString).crt"
        let outside = (root.path as NSString).deletingLastPathComponent + "/" + outsideName
        try "outside the root".write(toFile: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        // By `remove` (an installed entry) and by the recovery every `fix` and daemon start runs (a pending one).
        let cases = [[anchor, "/etc/passwd"], [anchor, "/usr/local/share/ca-certificates/../../../../../" + outsideName]]
            .flatMap { files in [LedgerEntry.State.installed, .pending].map { (files, $0) } }
        for (files, state) in cases {
            let forged = LedgerEntry(
                host: "localhost", port: 443, sha256: "0123456789abcdef", subject: "CN=x", issuer: "CN=y", notAfter: Date(), files: files,
                route: .system, installedAt: Date(), reason: "manual", state: state)
            try JSONLedgerStore(root: root.path).save(Ledger(entries: [forged]))
            await #expect(throws: TrustStoreError.self) {
                if state == .installed { _ = try await repairer().remove(.all) } else { _ = try await repairer().recover() }
            }
            #expect(root.read("/etc/passwd") == "root:x:0:0::/root:/bin/sh\n")
            #expect(FileManager.default.fileExists(atPath: outside))
            #expect(root.read(anchor) != nil, "the entry's own anchor stays too: nothing is deleted")
            #expect(try JSONLedgerStore(root: root.path).load().entries == [forged])
        }
    }

    /// The update tool runs with a fixed environment, never the caller's (whose `PATH` would choose what
    /// runs as root): a stand-in records what it got.
    @Test func theUpdateToolGetsAFixedEnvironment() async throws {
        try root.write("/env-tool", "#!/bin/sh\nenv > \"$TRUSTMEND_ROOT/tool-env\"\n")
        _ = try await SystemAnchorStore(root: root.path, profile: .profile(for: .debian), toolOverride: root.file("/env-tool")).refresh()
        let lines = try #require(root.read("/tool-env")).split(separator: "\n").map(String.init)
        let names = Set(lines.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        #expect(lines.contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin"))
        #expect(lines.contains("LC_ALL=C"))
        #expect(lines.contains("TRUSTMEND_ROOT=\(root.path)"))
        // What sh adds itself (PWD, SHLVL, _) and nothing of this process's environment.
        #expect(names.subtracting(["PATH", "LC_ALL", "TRUSTMEND_ROOT", "PWD", "OLDPWD", "SHLVL", "_"]).isEmpty, "\(names.sorted())")
    }

    /// The real update-ca-certificates under a sandbox root never runs the hooks found there.
    @Test func hooksUnderASandboxRootAreNeverRun() async throws {
        let marker = root.file("/hook-ran")
        try root.write("/etc/ca-certificates/update.d/evil", "#!/bin/sh\ntouch \(marker)\n")
        try root.write("/usr/local/share/ca-certificates/trustmend-0123456789abcdef.crt", try pki.pem("int.pem"), mode: 0o644)
        _ = try await SystemAnchorStore(root: root.path, profile: .profile(for: .debian)).refresh()
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(root.read("/etc/ssl/certs/ca-certificates.crt")?.isEmpty == false, "the bundle is still rebuilt")
    }

    @Test func anInstallACrashLeftPendingIsRolledBackAtTheNextStart() async throws {
        // What a kill -9 between writing the anchor and recording it leaves behind.
        let file = "/usr/local/share/ca-certificates/trustmend-0123456789abcdef.crt"
        try pki.pem("int.pem").write(toFile: root.file(file), atomically: true, encoding: .utf8)
        let pending = LedgerEntry(
            host: "localhost", port: 443, sha256: "0123456789abcdef", subject: "CN=x", issuer: "CN=y", notAfter: Date(), files: [file],
            route: .system, installedAt: Date(), reason: "manual", state: .pending)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [pending]))
        let recovered = try await repairer().recover()
        #expect(recovered == [pending])
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
        #expect(try JSONLedgerStore(root: root.path).load().entries.isEmpty)
    }

    /// Debian has no update-ca-trust: this stand-in does what it does for the bundle Go reads — collect the
    /// anchors, keep only CA certificates (p11-kit's --filter=ca-anchors), write the extracted bundle, and
    /// link ca-bundle.crt to it as RHEL ships it: absolutely, as on the node (resolved inside the root).
    static let rhelStandIn = """
        #!/bin/sh
        set -e
        [ "$1" = extract ] || exit 2
        out="$TRUSTMEND_ROOT/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
        mkdir -p "$(dirname "$out")" "$TRUSTMEND_ROOT/etc/pki/tls/certs"
        : > "$out.new"
        for f in "$TRUSTMEND_ROOT"/etc/pki/ca-trust/source/anchors/*; do
          [ -f "$f" ] || continue
          openssl x509 -in "$f" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE' || continue
          openssl x509 -in "$f" >> "$out.new"
        done
        mv "$out.new" "$out"
        ln -sf /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem "$TRUSTMEND_ROOT/etc/pki/tls/certs/ca-bundle.crt"
        """

    @Test func theRHELFamilyWithAnUpdateCATrustStandIn() async throws {
        let rhelRoot = try SandboxRoot(osRelease: SandboxRoot.eulerOSRelease)
        try rhelRoot.write("/update-ca-trust", Self.rhelStandIn)
        let profile = try DistroProfile.select(for: OSRelease(parsing: SandboxRoot.eulerOSRelease))
        let store = SystemAnchorStore(root: rhelRoot.path, profile: profile, toolOverride: rhelRoot.file("/update-ca-trust"))
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(), store: store, ledger: JSONLedgerStore(root: rhelRoot.path),
            profile: profile)
        let server = try TestServer.tls(pki: pki)
        guard case .installed(let plan, _) = try await repairer.repair(request(server)) else {
            Issue.record("expected an install on the rhel family")
            return
        }
        #expect(plan.files[0].hasPrefix("/etc/pki/ca-trust/source/anchors/trustmend-"))
        #expect(try Shell.run("grep -c BEGIN \(rhelRoot.file("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"))").hasPrefix("1"))

        // A lone self-signed CA:FALSE registry cannot be repaired there: refused before anything is written.
        let selfSigned = try TestServer.tls(pki: pki, cert: "self.pem", key: "self.key", chain: nil)
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(request(selfSigned)) }
        #expect(error?.code == .refused)
        #expect(error?.description.contains("p11-kit") == true)
        #expect(rhelRoot.list("/etc/pki/ca-trust/source/anchors").count == 1)
    }

    @Test func aMissingUpdateToolIsAClearErrorAndNothingStays() async throws {
        let server = try TestServer.tls(pki: pki)
        let error = await #expect(throws: RepairError.self) { try await repairer(tool: "/nonexistent/update-ca-certificates").repair(request(server)) }
        #expect(error?.code == .updateTool)
        #expect(error?.description.contains("is not installed") == true)
        #expect(root.list("/usr/local/share/ca-certificates").isEmpty)
    }

    @Test func aBatchRunsTheToolOnceAndKeepsWhatVerifies() async throws {
        let other = try TestPKI()
        let first = try TestServer.tls(pki: pki)
        let second = try TestServer.tls(pki: other)
        try root.write("/counting-tool", """
            #!/bin/sh
            echo run >> "$TRUSTMEND_ROOT/tool-runs"
            exec /usr/sbin/update-ca-certificates --certsconf "$TRUSTMEND_ROOT/etc/ca-certificates.conf" \\
              --certsdir "$TRUSTMEND_ROOT/usr/share/ca-certificates" --localcertsdir "$TRUSTMEND_ROOT/usr/local/share/ca-certificates" \\
              --etccertsdir "$TRUSTMEND_ROOT/etc/ssl/certs" --hooksdir "$TRUSTMEND_ROOT/etc/ca-certificates/update.d"
            """)
        let repairer = repairer(tool: root.file("/counting-tool"))
        let fetcher = OpenSSLChainFetcher()
        let items = try await [first, second].asyncMap { server in
            let request = try request(server)
            return (request, try await fetcher.fetchChain(from: request.endpoint, options: request.fetchOptions))
        }
        let results = await repairer.repairBatch(items)
        #expect(results.allSatisfy { if case .success(.installed) = $0 { true } else { false } })
        #expect(try String(contentsOfFile: root.file("/tool-runs"), encoding: .utf8) == "run\n")
        #expect(root.list("/usr/local/share/ca-certificates").count == 2)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
