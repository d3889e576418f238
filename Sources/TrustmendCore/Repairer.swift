import FoundationEssentials

/// What to repair and how.
public struct RepairRequest: Sendable {
    public var endpoint: Endpoint
    public var fetchOptions: FetchOptions
    public var choice: AnchorChoice
    public var pins: Set<String>
    /// Recorded in the ledger: the triggering log line, or "manual".
    public var reason: String
    public var dryRun: Bool
    /// Why no anchor may be installed now (the hourly cap): a chain already trusted or installed is
    /// still found so, one that needs an install is refused with this reason.
    public var installVeto: String?

    public init(
        endpoint: Endpoint, fetchOptions: FetchOptions = FetchOptions(), choice: AnchorChoice = .topCA,
        pins: Set<String> = [], reason: String = "manual", dryRun: Bool = false, installVeto: String? = nil
    ) {
        self.endpoint = endpoint
        self.fetchOptions = fetchOptions
        self.choice = choice
        self.pins = pins
        self.reason = reason
        self.dryRun = dryRun
        self.installVeto = installVeto
    }
}

/// An install the request did not allow (`RepairRequest.installVeto`).
public struct InstallVetoed: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "the chain needs an anchor installed, and \(reason)" }
}

/// The install a repair would make.
public struct RepairPlan: Sendable {
    public var chain: PeerChain
    public var anchors: [ChainCertificate]
    public var files: [String]
    public var updateCommand: String
    public var bundlePath: String
}

/// How a repair ended, when it did not fail.
public enum RepairOutcome: Sendable {
    /// The chain already verifies against the bundle Go reads: nothing to install. If the engine still
    /// fails, it has not reloaded its roots since the bundle changed (FACTS §1).
    case alreadyTrusted(PeerChain)
    /// trustmend installed these anchors for this endpoint before; nothing was rewritten.
    case alreadyInstalled(RepairPlan, [LedgerEntry])
    /// `--dry-run`: what would be done.
    case planned(RepairPlan)
    case installed(RepairPlan, [LedgerEntry])

    public var changedTrust: Bool {
        if case .installed = self { return true }
        return false
    }
}

/// Why a repair failed, and whether what it had written was taken back.
public struct RepairError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case fetch, refused, ledger, write, updateTool, verification
    }

    public var code: Code
    public var endpoint: Endpoint
    /// True when files were written and have been removed again (and the bundle rebuilt without them).
    public var rolledBack: Bool
    public var cause: any Error

    public var description: String {
        let what: String
        switch code {
        case .fetch: what = "cannot fetch the certificate chain of \(endpoint)"
        case .refused: what = "refusing to trust the chain of \(endpoint)"
        case .ledger: what = "cannot read or write the ledger while repairing \(endpoint)"
        case .write: what = "cannot write the anchor for \(endpoint)"
        case .updateTool: what = "the update tool failed while installing the anchor for \(endpoint)"
        case .verification: what = "the chain of \(endpoint) still does not verify after installing its anchor"
        }
        let tail = rolledBack ? " (rolled back: the anchor was removed and the bundle rebuilt)" : ""
        return "\(what): \(cause)\(tail)"
    }
}

/// Fetch → choose → install → rebuild → verify, with rollback: the one-shot repair of `trustmend fix`.
public struct Repairer: Sendable {
    public var fetcher: any ChainFetcher
    public var verifier: any ChainVerifier
    public var store: any AnchorStore
    public var ledger: any LedgerStore
    public var profile: DistroProfile
    /// Stores of the other routes, by route name: `recover` and `remove` take back their files too.
    public var otherRoutes: [String: any AnchorStore]
    public var now: @Sendable () -> Date

    public init(
        fetcher: any ChainFetcher, verifier: any ChainVerifier, store: any AnchorStore, ledger: any LedgerStore,
        profile: DistroProfile, otherRoutes: [any AnchorStore] = [], now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.otherRoutes = Dictionary(otherRoutes.map { ($0.route, $0) }, uniquingKeysWith: { a, _ in a })
        self.fetcher = fetcher
        self.verifier = verifier
        self.store = store
        self.ledger = ledger
        self.profile = profile
        self.now = now
    }

    public func repair(_ request: RepairRequest) async throws(RepairError) -> RepairOutcome {
        let endpoint = request.endpoint
        func fail(_ code: RepairError.Code, _ cause: any Error, rolledBack: Bool = false) -> RepairError {
            RepairError(code: code, endpoint: endpoint, rolledBack: rolledBack, cause: cause)
        }

        let chain: PeerChain
        do {
            chain = try await fetcher.fetchChain(from: endpoint, options: request.fetchOptions)
        } catch {
            throw fail(.fetch, error)
        }
        return try await repair(request, chain: chain)
    }

    /// The repair with a chain already fetched.
    public func repair(_ request: RepairRequest, chain: PeerChain) async throws(RepairError) -> RepairOutcome {
        try await repairBatch([(request, chain)])[0].get()
    }

    /// Repairs several endpoints with one run of the update tool: every anchor is written, the bundle is
    /// rebuilt once, each chain is verified. Chains that fail verification have their anchors taken out
    /// again (with one more rebuild); the others stay. A failing update tool rolls back the whole batch.
    /// Results come in the order of `items`.
    public func repairBatch(_ items: [(request: RepairRequest, chain: PeerChain)]) async -> [Result<RepairOutcome, RepairError>] {
        var results = [Result<RepairOutcome, RepairError>?](repeating: nil, count: items.count)
        func fail(_ i: Int, _ code: RepairError.Code, _ cause: any Error, rolledBack: Bool = false) {
            results[i] = .failure(RepairError(code: code, endpoint: items[i].request.endpoint, rolledBack: rolledBack, cause: cause))
        }

        var book: Ledger
        do { book = try ledger.load() } catch {
            for i in items.indices { fail(i, .ledger, error) }
            return results.map { $0! }
        }
        let trustBefore = (try? store.existingTrustPEMs()) ?? []

        // Decide per item: refused, nothing to do, or an install.
        var plans = [Int: RepairPlan]()
        for (i, item) in items.enumerated() {
            let (request, chain) = item
            let endpoint = request.endpoint
            let selector = AnchorSelector(
                choice: request.choice, profile: profile, pins: request.pins, acceptsNonCA: store.acceptsNonCAAnchors)
            let anchors: [ChainCertificate]
            switch selector.select(from: chain, now: now()) {
            case .success(let chosen): anchors = chosen
            case .failure(let refusal):
                fail(i, .refused, refusal)
                continue
            }
            do { try store.preflight() } catch {
                fail(i, .refused, error)
                continue
            }
            let plan = RepairPlan(
                chain: chain, anchors: anchors, files: store.plannedFiles(for: anchors),
                updateCommand: store.updateCommand, bundlePath: store.bundlePath)
            let shas = Set(anchors.map(\.sha256))
            let planned = Set(plan.files)
            let mine = book.entries.filter {
                $0.host == endpoint.host && $0.port == endpoint.port && $0.state == .installed && shas.contains($0.sha256)
                    && $0.route == store.route && $0.registry == store.registry?.directoryName && planned.isSuperset(of: $0.files)
            }
            if Set(mine.map(\.sha256)) == shas, Set(mine.flatMap(\.files)) == planned, mine.allSatisfy({ $0.files.allSatisfy(store.exists) }) {
                results[i] = .success(.alreadyInstalled(plan, mine))
            } else if !trustBefore.isEmpty,
                trustBefore.allSatisfy({ (try? verifier.verify(chain, againstBundle: $0, extraAnchors: [])) != nil })
            {
                results[i] = .success(.alreadyTrusted(chain))
            } else if request.dryRun {
                results[i] = .success(.planned(plan))
            } else if let veto = request.installVeto {
                fail(i, .refused, InstallVetoed(reason: veto))
            } else {
                plans[i] = plan
            }
        }
        guard !plans.isEmpty else { return results.map { $0! } }

        // Pending entries first: a crash between here and the end leaves a record that `recover()` rolls back.
        // An earlier entry of the same install stays beside them until the end: a rollback must not take
        // the files it relies on.
        let before = book
        let when = now()
        var pending = [Int: [LedgerEntry]]()
        for (i, plan) in plans {
            let request = items[i].request
            let directories = store.plannedDirectories(for: plan.anchors)
            pending[i] = plan.anchors.map { anchor in
                LedgerEntry(
                    host: request.endpoint.host, port: request.endpoint.port, sha256: anchor.sha256, subject: anchor.subject,
                    issuer: anchor.issuer, notAfter: anchor.notAfter, files: store.plannedFiles(for: [anchor]), route: store.route,
                    installedAt: when, reason: String(request.reason.prefix(4096)), state: .pending,
                    registry: store.registry?.directoryName, directories: directories.isEmpty ? nil : directories)
            }
        }
        book.entries += pending.values.flatMap { $0 }
        do { try ledger.save(book) } catch {
            for i in plans.keys { fail(i, .ledger, error) }
            return results.map { $0! }
        }

        // Files that an installed entry already relies on never go in a rollback.
        let shared = Set(before.entries.filter { $0.state == .installed }.flatMap(\.files))
        let sharedDirectories = Set(before.entries.filter { $0.state == .installed }.flatMap { $0.directories ?? [] })
        var written = [Int: [String]]()
        for (i, plan) in plans {
            do { written[i] = try store.write(plan.anchors) } catch { fail(i, .write, error, rolledBack: true) }
        }
        func takeBack(_ indices: some Sequence<Int>) {
            let keep = Set(written.filter { !Set(indices).contains($0.key) }.values.flatMap { $0 })
            let doomed = indices.flatMap { written[$0] ?? [] }.filter { !shared.contains($0) && !keep.contains($0) }
            try? store.delete(doomed)
            let keepDirectories = Set(pending.filter { !Set(indices).contains($0.key) }.values.flatMap { $0.flatMap { $0.directories ?? [] } })
            store.pruneDirectories(indices.flatMap { i in pending[i]?.flatMap { $0.directories ?? [] } ?? [] }
                .filter { !sharedDirectories.contains($0) && !keepDirectories.contains($0) })
        }

        if !written.isEmpty {
            do {
                _ = try await store.refresh()
            } catch {
                takeBack(written.keys)
                _ = try? await store.refresh()
                try? ledger.save(before)
                for i in written.keys { fail(i, .updateTool, error, rolledBack: true) }
                return results.map { $0! }
            }
        }

        var verified = Set<Int>()
        var unverified = [Int: any Error]()
        let bundle = Result { try store.bundlePEM() }
        for i in written.keys.sorted() {
            do {
                try verifier.verify(items[i].chain, againstBundle: try bundle.get(), extraAnchors: [])
                verified.insert(i)
            } catch {
                unverified[i] = error
            }
        }
        if !unverified.isEmpty {
            takeBack(unverified.keys)
            _ = try? await store.refresh()
            for (i, error) in unverified { fail(i, .verification, error, rolledBack: true) }
        }

        // Record: installed for the verified, gone for everything else of this batch.
        book = before
        var installedEntries = [Int: [LedgerEntry]]()
        for i in verified {
            installedEntries[i] = pending[i]!.map { var e = $0; e.state = .installed; return e }
        }
        let finalEntries = installedEntries.values.flatMap { $0 }.map { $0.absorbing(before.entries) }
        book.entries.removeAll { old in finalEntries.contains { $0.isSameInstall(as: old) } }
        book.entries += finalEntries
        do {
            try ledger.save(book)
        } catch {
            takeBack(verified)
            _ = try? await store.refresh()
            for i in verified { fail(i, .ledger, error, rolledBack: true) }
            return results.map { $0! }
        }
        for i in verified { results[i] = .success(.installed(plans[i]!, installedEntries[i]!)) }
        return results.map { $0! }
    }

    /// The store that wrote an entry's files.
    func store(for route: String) -> (any AnchorStore)? {
        route == store.route ? store : otherRoutes[route]
    }

    /// Rolls back installs a crash left pending: their files go (unless an installed entry shares them),
    /// so do the directories they created when empty, the bundle is rebuilt, the entries are dropped.
    /// Returns the entries rolled back.
    public func recover() async throws -> [LedgerEntry] {
        var book = try ledger.load()
        let pending = book.entries.filter { $0.state == .pending }
        guard !pending.isEmpty else { return [] }
        try await takeOut(pending, from: book)
        book.entries.removeAll { $0.state == .pending }
        try ledger.save(book)
        return pending
    }

    /// Removes the entries the selector names, deletes the files no other entry needs (and the empty
    /// directories trustmend created for them), rebuilds the bundle when system-route files went. When
    /// the rebuild fails the files are put back and the ledger is left as it was.
    public func remove(_ selector: LedgerSelector) async throws -> [LedgerEntry] {
        var book = try ledger.load()
        let doomed = book.entries(matching: selector).filter { store(for: $0.route) != nil }
        guard !doomed.isEmpty else { return [] }
        try await takeOut(doomed, from: book)
        book.entries.removeAll { doomed.contains($0) }
        try ledger.save(book)
        return doomed
    }

    /// Deletes the files and created directories only `doomed` use, route by route, then rebuilds the
    /// bundle of each route that has one. When a rebuild fails, every file deleted here (of any route)
    /// is put back and the error is thrown, so the ledger, left as it was, still matches the disk.
    func takeOut(_ doomed: [LedgerEntry], from book: Ledger) async throws {
        let files = book.filesOnlyReferenced(by: doomed)
        let directories = Set(book.directoriesOnlyReferenced(by: doomed))
        var saved: [(store: any AnchorStore, files: [(path: String, contents: [UInt8])])] = []
        func putBack() { for (routeStore, contents) in saved { try? routeStore.restore(contents) } }
        var rebuild: [any AnchorStore] = []
        for route in Set(doomed.map(\.route)).sorted() {
            guard let routeStore = store(for: route) else { continue }
            let entries = doomed.filter { $0.route == route }
            let routeFiles = files.filter { file in entries.contains { $0.files.contains(file) } }
            do {
                saved.append((routeStore, try routeStore.read(routeFiles)))
                try routeStore.delete(routeFiles)
            } catch {
                putBack()
                throw error
            }
            routeStore.pruneDirectories(entries.flatMap { $0.directories ?? [] }.filter { directories.contains($0) })
            if routeStore.restartsEngines { rebuild.append(routeStore) }
        }
        for routeStore in rebuild {
            do {
                _ = try await routeStore.refresh()
            } catch {
                putBack()
                throw error
            }
        }
    }
}
