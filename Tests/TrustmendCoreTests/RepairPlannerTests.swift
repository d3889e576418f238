import FoundationEssentials
import Testing
@testable import TrustmendCore
import TrustmendTesting

/// The repair's decisions per item, before anything is written: one row per guard, in order.
@Suite struct RepairPlannerTests {
    struct Refusal: Error {}

    enum Expected: String { case refused, alreadyInstalled, alreadyTrusted, planned, install }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var pins: Set<String> = []
        var storeRefuses = false
        var installedBefore = false
        var filesPresent = true
        var trusted = false
        var dryRun = false
        var veto: String?
        var expected: Expected
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a pin that matches nothing is refused", pins: [String(repeating: "a", count: 64)], trusted: true, expected: .refused),
        Row(name: "a store that refuses the write refuses", storeRefuses: true, installedBefore: true, expected: .refused),
        Row(name: "installed before with its files there", installedBefore: true, trusted: true, veto: "capped", expected: .alreadyInstalled),
        Row(name: "installed before but a file is gone: installed again", installedBefore: true, filesPresent: false, expected: .install),
        Row(name: "already trusted wins over the veto", trusted: true, veto: "capped", expected: .alreadyTrusted),
        Row(name: "already trusted wins over the dry run", trusted: true, dryRun: true, expected: .alreadyTrusted),
        Row(name: "a dry run plans", dryRun: true, veto: "capped", expected: .planned),
        Row(name: "a veto refuses an install", veto: "the cap of 2 installs per hour is reached", expected: .refused),
        Row(name: "otherwise an install", expected: .install),
    ]

    @Test(arguments: rows)
    func decides(_ row: Row) throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        let endpoint = chain.endpoint
        let file = "/usr/local/share/ca-certificates/trustmend-\(t.intermediate.sha256.prefix(16)).crt"
        var ledger = Ledger()
        if row.installedBefore {
            ledger.entries = [LedgerEntry(
                host: endpoint.host, port: endpoint.port, sha256: t.intermediate.sha256, subject: "", issuer: "", notAfter: TestChain.now,
                files: [file], route: .system, installedAt: TestChain.now, reason: "manual", state: .installed)]
        }
        let site = InstallSite(
            route: .system, refusal: row.storeRefuses ? Refusal() : nil, present: row.filesPresent ? [file] : [],
            plannedFiles: { $0.map { "/usr/local/share/ca-certificates/trustmend-\($0.sha256.prefix(16)).crt" } })
        let planner = RepairPlanner(profile: .profile(for: .debian), site: site, ledger: ledger, now: TestChain.now)
        let request = RepairRequest(endpoint: endpoint, pins: row.pins, reason: "a log line", dryRun: row.dryRun, installVeto: row.veto)
        let step = planner.plan(request, chain: chain, trusted: row.trusted)
        switch step {
        case .refused(let why):
            #expect(row.expected == .refused, "\(why)")
            if row.veto != nil && !row.storeRefuses && row.pins.isEmpty { #expect(why is InstallVetoed) }
            if row.storeRefuses { #expect(why is Refusal) }
        case .alreadyInstalled(let plan, let entries):
            #expect(row.expected == .alreadyInstalled)
            #expect(plan.files == [file] && entries == ledger.entries)
        case .alreadyTrusted(let trusted):
            #expect(row.expected == .alreadyTrusted)
            #expect(trusted == chain)
        case .planned(let plan):
            #expect(row.expected == .planned)
            #expect(plan.anchors == [t.intermediate])
        case .install(let plan, let pending):
            #expect(row.expected == .install)
            #expect(plan.files == [file])
            #expect(pending.count == 1 && pending[0].state == .pending && pending[0].reason == "a log line" && pending[0].files == [file])
        }
    }

    @Test func pendingEntriesRecordTheRegistryAndTheDirectoriesCreated() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        let site = InstallSite(
            route: .registry, registry: "registry.test", plannedFiles: { $0.map { "/etc/docker/certs.d/registry.test/\($0.sha256.prefix(16)).crt" } },
            plannedDirectories: { _ in ["/etc/docker/certs.d/registry.test"] })
        let planner = RepairPlanner(profile: .profile(for: .debian), site: site, ledger: Ledger(), now: TestChain.now)
        guard case .install(_, let pending) = planner.plan(RepairRequest(endpoint: chain.endpoint), chain: chain, trusted: false) else {
            Issue.record("not an install")
            return
        }
        #expect(pending.map(\.route) == [.registry] && pending.map(\.registry) == ["registry.test"])
        #expect(pending.first?.directories == ["/etc/docker/certs.d/registry.test"])
    }
}

/// Issue 16, item 2: once the ledger holds an installed anchor for a host:port, another anchor for it is
/// refused unless the request's pins name it.
@Suite struct AnchorChangePlannerTests {
    let first: TestChain
    let second: TestChain
    let endpoint: Endpoint

    init() throws {
        first = try TestChain()
        second = try TestChain()
        endpoint = try Endpoint(host: "registry.test", port: 443)
    }

    func installed(_ anchor: ChainCertificate, port: UInt16 = 443, state: LedgerEntry.State = .installed, notAfter: Date = TestChain.now + 86400)
        -> LedgerEntry
    {
        LedgerEntry(
            host: "registry.test", port: port, sha256: anchor.sha256, subject: anchor.subject, issuer: anchor.issuer, notAfter: notAfter,
            files: ["/usr/local/share/ca-certificates/trustmend-\(anchor.sha256.prefix(16)).crt"], route: .system,
            installedAt: TestChain.now - 3600, reason: "a log line", state: state)
    }

    func plan(_ ledger: [LedgerEntry], pins: Set<String> = [], dryRun: Bool = false, trusted: Bool = false) throws -> RepairStep {
        let site = InstallSite(route: .system, plannedFiles: { $0.map { "/usr/local/share/ca-certificates/trustmend-\($0.sha256.prefix(16)).crt" } })
        let planner = RepairPlanner(profile: .profile(for: .debian), site: site, ledger: Ledger(entries: ledger), now: TestChain.now)
        let chain = try second.chain([second.leaf, second.intermediate])
        return planner.plan(RepairRequest(endpoint: endpoint, pins: pins, reason: "a log line", dryRun: dryRun), chain: chain, trusted: trusted)
    }

    @Test func anotherAnchorIsRefusedWithBothFingerprintsAndWhatToRun() throws {
        for dryRun in [false, true] {
            guard case .refused(let why) = try plan([installed(first.intermediate)], dryRun: dryRun) else {
                Issue.record("a changed anchor must be refused (dry run: \(dryRun))")
                continue
            }
            let text = "\(why)"
            #expect(text.contains(first.intermediate.sha256) && text.contains(second.intermediate.sha256), "\(text)")
            #expect(text.contains("trustmend fix registry.test:443 --expect-sha256 \(second.intermediate.sha256)"))
            #expect(text.contains("trustmend remove registry.test:443") && text.contains("out of band"))
        }
    }

    @Test func pinsNamingTheNewAnchorLetItIn() throws {
        guard case .install(let plan, _) = try plan([installed(first.intermediate)], pins: [second.intermediate.sha256]) else {
            Issue.record("a pinned new anchor is the operator's word: install")
            return
        }
        #expect(plan.anchors == [second.intermediate])
    }

    @Test func anExpiredOrRenewedAnchorChangesNothing() throws {
        // The installed anchor expired: still refused (a renewal is a new certificate, a new SHA-256),
        // and the refusal says it expired.
        guard case .refused(let why) = try plan([installed(first.intermediate, notAfter: TestChain.now - 60)]) else {
            Issue.record("an expired installed anchor does not open the door")
            return
        }
        #expect("\(why)".contains("expired"))
    }

    @Test func firstUseOtherPortsPendingEntriesAndTrustedChainsAreNotChanges() throws {
        guard case .install = try plan([]) else { Issue.record("first use installs"); return }
        guard case .install = try plan([installed(first.intermediate, port: 5000)]) else { Issue.record("another port is another endpoint"); return }
        guard case .install = try plan([installed(first.intermediate, state: .pending)]) else {
            Issue.record("a pending entry is rolled back, not trusted")
            return
        }
        guard case .alreadyTrusted = try plan([installed(first.intermediate)], trusted: true) else {
            Issue.record("a chain the bundle already trusts needs nothing, changed or not")
            return
        }
    }
}
