/// Carries out the installs a `RepairPlanner` decided, as one transaction over the ledger: pending
/// entries saved, files written, the bundle rebuilt once, each chain verified, entries recorded as
/// installed. Whatever fails is taken back, and when taking back fails too the error says so.
struct InstallTransaction {
    /// One install: the batch index it answers, its request, plan and pending ledger entries.
    struct Install {
        var index: Int
        var request: RepairRequest
        var plan: RepairPlan
        var pending: [LedgerEntry]
    }

    /// The store names no bundle to verify against (a registry store without a registry).
    struct NoBundle: Error, CustomStringConvertible {
        var description: String { "the store names no bundle to verify the chain against" }
    }

    var store: any AnchorStore
    var ledger: any LedgerStore
    var verifier: any ChainVerifier

    /// Runs the installs over the ledger as it was (`before`). Returns a result per install's index.
    func run(_ installs: [Install], before: Ledger) async -> [Int: Result<RepairOutcome, RepairError>] {
        var results = [Int: Result<RepairOutcome, RepairError>]()
        func fail(_ install: Install, _ code: RepairError.Code, _ cause: any Error, _ rollback: RepairError.Rollback) {
            results[install.index] = .failure(RepairError(code: code, endpoint: install.request.endpoint, rollback: rollback, cause: cause))
        }

        // Pending entries first: a crash between here and the end leaves a record that `recover()` rolls back.
        // An earlier entry of the same install stays beside them until the end: a rollback must not take
        // the files it relies on.
        var book = before
        book.entries += installs.flatMap(\.pending)
        do { try ledger.save(book) } catch {
            for install in installs { fail(install, .ledger, error, .notNeeded) }
            return results
        }

        var written = [(install: Install, files: [String])]()
        for install in installs {
            do { written.append((install, try store.write(install.plan.anchors))) } catch { fail(install, .write, error, .done) }
        }
        let rollback = Rollback(store: store, before: before, installs: installs, written: written)

        if !written.isEmpty {
            do {
                _ = try await store.refresh()
            } catch {
                var outcome = await rollback.takeBack(written.map(\.install.index))
                // Files still on disk keep their pending entries, for `recover()` at the next start.
                if outcome.rolledBack {
                    do { try ledger.save(before) } catch { outcome = .failed(error) }
                }
                for (install, _) in written { fail(install, .updateTool, error, outcome) }
                return results
            }
        }

        var verified = [Install]()
        var unverified = [(install: Install, error: any Error)]()
        // The bundles "already trusted" was decided against (`Repairer.repairBatch`): every reader's.
        let readers = Result { try store.existingTrustPEMs() }
        let batchAnchors = Set(written.flatMap { $0.install.plan.anchors.map(\.der) })
        for (install, _) in written {
            do {
                try verify(install, against: try readers.get(), without: batchAnchors)
                verified.append(install)
            } catch {
                unverified.append((install, error))
            }
        }
        var stillPending: [LedgerEntry] = []
        if !unverified.isEmpty {
            let outcome = await rollback.takeBack(unverified.map(\.install.index))
            for (install, error) in unverified { fail(install, .verification, error, outcome) }
            // Files still on disk keep their pending entries, for `recover()` at the next start.
            if !outcome.rolledBack { stillPending = unverified.flatMap(\.install.pending) }
        }

        // Record: installed for the verified, gone for everything else of this batch.
        book = before
        book.entries += stillPending
        let installed = verified.map { install in
            (install, install.pending.map { var e = $0; e.state = .installed; return e })
        }
        let finalEntries = installed.flatMap(\.1).map { $0.absorbing(before.entries) }
        book.entries.removeAll { old in finalEntries.contains { $0.isSameInstall(as: old) } }
        book.entries += finalEntries
        do {
            try ledger.save(book)
        } catch {
            let outcome = await rollback.takeBack(verified.map(\.index))
            for install in verified { fail(install, .ledger, error, outcome) }
            return results
        }
        for (install, entries) in installed { results[install.index] = .success(.installed(install.plan, entries)) }
        return results
    }
}

extension InstallTransaction {
    /// The chain verifies against every reader's bundle, and would not without the anchors this batch
    /// wrote (`batchAnchors`): otherwise something else the engines read trusts it (a CA the update tool
    /// brought in, a file put there meanwhile) and the anchor was not what made it trusted, so it must
    /// not stay. The whole batch's anchors are left out, not only this install's: two registries under
    /// one root, one sending the root and one only its intermediate, each need theirs.
    func verify(_ install: Install, against bundles: [String], without batchAnchors: Set<[UInt8]>) throws {
        let chain = install.plan.chain
        guard !bundles.isEmpty else { throw NoBundle() }
        for bundle in bundles { try verifier.verify(chain, againstBundle: bundle, extraAnchors: []) }
        let needed = bundles.contains { bundle in
            let without = PEM.certificates(in: bundle).filter { !batchAnchors.contains($0) }.map(PEM.certificate).joined()
            return (try? verifier.verify(chain, againstBundle: without, extraAnchors: [])) == nil
        }
        guard needed else { throw AnchorNotNeeded(sha256: install.plan.anchors.map(\.sha256)) }
    }
}

extension InstallTransaction {
    /// Takes back the files some installs of a batch wrote, and rebuilds the bundle without them.
    struct Rollback {
        var store: any AnchorStore
        /// Files and directories an installed entry already relies on never go.
        var shared: Set<String>
        var sharedDirectories: Set<String>
        var written: [Int: [String]]
        var directories: [Int: [String]]

        init(store: any AnchorStore, before: Ledger, installs: [Install], written: [(install: Install, files: [String])]) {
            self.store = store
            let installed = before.entries.filter { $0.state == .installed }
            shared = Set(installed.flatMap(\.files))
            sharedDirectories = Set(installed.flatMap { $0.directories ?? [] })
            self.written = Dictionary(written.map { ($0.install.index, $0.files) }, uniquingKeysWith: { a, _ in a })
            directories = Dictionary(
                installs.map { ($0.index, $0.pending.flatMap { $0.directories ?? [] }) }, uniquingKeysWith: { a, _ in a })
        }

        /// Deletes what only these installs wrote, prunes the directories only they created, rebuilds.
        /// Every step is tried: a failed delete fails the rollback, a failed rebuild leaves the bundle
        /// as the last run made it.
        func takeBack(_ indices: [Int]) async -> RepairError.Rollback {
            let doomedIndices = Set(indices)
            let keep = Set(written.filter { !doomedIndices.contains($0.key) }.values.flatMap { $0 })
            let doomed = indices.flatMap { written[$0] ?? [] }.filter { !shared.contains($0) && !keep.contains($0) }
            var deleteFailure: (any Error)?
            do { try store.delete(doomed) } catch { deleteFailure = error }
            let keepDirectories = Set(directories.filter { !doomedIndices.contains($0.key) }.values.flatMap { $0 })
            store.pruneDirectories(indices.flatMap { directories[$0] ?? [] }.filter { !sharedDirectories.contains($0) && !keepDirectories.contains($0) })
            var rebuildFailure: (any Error)?
            do { _ = try await store.refresh() } catch { rebuildFailure = error }
            if let deleteFailure { return .failed(deleteFailure) }
            if let rebuildFailure { return .bundleNotRebuilt(rebuildFailure) }
            return .done
        }
    }
}
