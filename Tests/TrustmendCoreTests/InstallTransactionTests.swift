import FoundationEssentials
import Testing
import TrustmendCore
import TrustmendTesting

/// The repair's execution on fakes: what a failed step takes back, and what the error says when taking
/// back fails too.
@Suite struct InstallTransactionTests {
    let disk = FakeDisk()
    let faults = FakeAnchorStore.Faults()
    let fetcher = FakeChainFetcher()
    let ledger = FakeLedgerStore()
    let profile = DistroProfile.profile(for: .debian)

    var store: FakeAnchorStore { FakeAnchorStore(disk: disk, site: .system(profile), faults: faults) }
    var repairer: Repairer {
        Repairer(fetcher: fetcher, verifier: FakeChainVerifier(), store: store, ledger: ledger, profile: profile, now: { TestChain.now })
    }
    var anchors: [String] { disk.list(profile.anchorDirectory) }

    func request() throws -> RepairRequest {
        let chain = try TestChain()
        let endpoint = try Endpoint(host: "registry.test")
        fetcher.serve([chain.leaf, chain.intermediate], at: endpoint)
        return RepairRequest(endpoint: endpoint)
    }

    @Test func installsRecordsAndRebuildsOnce() async throws {
        guard case .installed(let plan, let entries) = try await repairer.repair(try request()) else {
            Issue.record("not installed")
            return
        }
        #expect(anchors.count == 1 && plan.files.count == 1)
        #expect(entries.map(\.state) == [.installed] && ledger.ledger.entries == entries)
        #expect(faults.refreshes == 1)
    }

    @Test func aFailingUpdateToolIsRolledBackEvenWhenTheRebuildFailsAgain() async throws {
        faults.failRefresh(FakeDisk.Fault("cannot write bundle: disk quota exceeded"))
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(error?.code == .updateTool && error?.rolledBack == true && error?.rollbackFailure == nil)
        #expect(error?.description.contains("rolled back: the anchor was removed, but the bundle could not be rebuilt") == true)
        #expect(anchors.isEmpty)
        #expect(ledger.ledger.entries.isEmpty)
    }

    @Test func aRollbackThatFailsIsPartOfTheErrorAndLeavesThePendingEntry() async throws {
        faults.failRefresh(FakeDisk.Fault("cannot write bundle: disk quota exceeded"))
        faults.failDelete(FakeDisk.Fault("Read-only file system"))
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(error?.code == .updateTool && error?.rolledBack == false)
        #expect(error?.rollbackFailure.map { "\($0)" } == "Read-only file system")
        let description = error?.description ?? ""
        #expect(description.contains("not rolled back: Read-only file system") && !description.contains("(rolled back"))
        #expect(anchors.count == 1)
        #expect(ledger.ledger.entries.map(\.state) == [.pending], "the next start's recover() takes the file out")

        faults.failRefresh(nil)
        faults.failDelete(nil)
        #expect(try await repairer.recover().count == 1)
        #expect(anchors.isEmpty && ledger.ledger.entries.isEmpty)
    }

    @Test func aChainThatStillFailsIsTakenBackAndSaysSo() async throws {
        faults.refreshDoesNothing(true)
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(error?.code == .verification && error?.rolledBack == true)
        #expect(anchors.isEmpty && ledger.ledger.entries.isEmpty)

        faults.failDelete(FakeDisk.Fault("Read-only file system"))
        let failed = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(failed?.code == .verification && failed?.rolledBack == false && failed?.rollbackFailure != nil)
        #expect(anchors.count == 1 && ledger.ledger.entries.map(\.state) == [.pending])
    }

    /// Issue 16, item 7: the chain must verify after the install *and* must not verify without the anchor
    /// written. Here the rebuilt bundle brings the chain's root along (the distro's CAs changed under the
    /// repair): the chain verifies either way, so the anchor was not what made it trusted and goes again.
    @Test func anAnchorThatWasNotWhatMadeItTrustedIsTakenBack() async throws {
        let chain = try TestChain()
        let endpoint = try Endpoint(host: "registry.test")
        fetcher.serve([chain.leaf, chain.intermediate], at: endpoint)
        let store = FakeAnchorStore(disk: disk, site: .system(profile), faults: faults, systemCAs: chain.root.pem)
        disk.write(profile.bundle, "")
        let repairer = Repairer(fetcher: fetcher, verifier: FakeChainVerifier(), store: store, ledger: ledger, profile: profile, now: { TestChain.now })
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(RepairRequest(endpoint: endpoint)) }
        #expect(error?.code == .verification && error?.rolledBack == true)
        #expect(error.map { "\($0.cause)" }?.contains("was not what made it trusted") == true, "\(String(describing: error))")
        #expect(anchors.isEmpty && ledger.ledger.entries.isEmpty)
    }

    /// The check leaves out every anchor of the batch, not only the install's own: two endpoints under one
    /// root, one sending the root and one only its intermediate, each verify with the other's anchor alone,
    /// and both anchors stay.
    @Test func twoInstallsUnderOneRootInOneBatchBothStay() async throws {
        let chain = try TestChain()
        let a = try chain.chain([chain.leaf, chain.intermediate], host: "a.registry.test")
        let b = try chain.chain([chain.leaf, chain.intermediate, chain.root], host: "b.registry.test")
        let results = await repairer.repairBatch([(RepairRequest(endpoint: a.endpoint), a), (RepairRequest(endpoint: b.endpoint), b)])
        #expect(results.allSatisfy { (try? $0.get())?.changedTrust == true }, "\(results)")
        #expect(anchors.count == 2 && ledger.ledger.entries.map(\.state) == [.installed, .installed])
    }

    @Test func aLedgerThatCannotBeWrittenBeforeAnyFileWritesNothing() async throws {
        ledger.failSaves(after: 0)
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(error?.code == .ledger && error?.rolledBack == false && error?.rollbackFailure == nil)
        #expect(anchors.isEmpty && faults.refreshes == 0)
    }

    @Test func aLedgerThatCannotRecordTheInstallTakesItBack() async throws {
        ledger.failSaves(after: 1)
        let error = await #expect(throws: RepairError.self) { try await repairer.repair(try request()) }
        #expect(error?.code == .ledger && error?.rolledBack == true)
        #expect(anchors.isEmpty)
        #expect(ledger.ledger.entries.map(\.state) == [.pending], "the pending entry stays: recover() drops it at the next start")
    }
}
