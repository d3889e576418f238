import FoundationEssentials

/// Fetch → choose → install → rebuild → verify, with rollback: the one-shot repair of `trustmend fix`.
public struct Repairer: Sendable {
    public var fetcher: any ChainFetcher
    public var verifier: any ChainVerifier
    public var store: any AnchorStore
    public var ledger: any LedgerStore
    public var profile: DistroProfile
    /// Stores of the other routes, by route name: `recover` and `remove` take back their files too.
    public var otherRoutes: [RouteKind: any AnchorStore]
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
    ///
    /// Plan, then execute: what each item needs is decided first (`RepairPlanner`), from the ledger and
    /// what already verifies; only the installs reach `InstallTransaction`.
    public func repairBatch(_ items: [(request: RepairRequest, chain: PeerChain)]) async -> [Result<RepairOutcome, RepairError>] {
        let book: Ledger
        do { book = try ledger.load() } catch {
            return items.map { .failure(RepairError(code: .ledger, endpoint: $0.request.endpoint, cause: error)) }
        }
        let trustBefore = (try? store.existingTrustPEMs()) ?? []
        let planner = RepairPlanner(profile: profile, site: site(book), ledger: book, now: now())

        var results = [Result<RepairOutcome, RepairError>?](repeating: nil, count: items.count)
        var installs: [InstallTransaction.Install] = []
        for (i, (request, chain)) in items.enumerated() {
            let trusted = !trustBefore.isEmpty && trustBefore.allSatisfy { (try? verifier.verify(chain, againstBundle: $0, extraAnchors: [])) != nil }
            switch planner.plan(request, chain: chain, trusted: trusted) {
            case .install(let plan, let pending):
                installs.append(InstallTransaction.Install(index: i, request: request, plan: plan, pending: pending))
            case let step:
                results[i] = step.outcome?.mapError { RepairError(code: .refused, endpoint: request.endpoint, cause: $0) }
            }
        }
        if !installs.isEmpty {
            let transaction = InstallTransaction(store: store, ledger: ledger, verifier: verifier)
            for (i, result) in await transaction.run(installs, before: book) { results[i] = result }
        }
        return results.map { $0! }
    }

    /// The store's facts the planner decides on.
    func site(_ book: Ledger) -> InstallSite {
        let target = store
        let registry = target.registry?.directoryName
        let earlier = book.entries.filter { $0.state == .installed && $0.route == target.route && $0.registry == registry }
        var present = Set<String>()
        for file in earlier.flatMap(\.files) where target.exists(file) { present.insert(file) }
        return InstallSite(
            route: target.route, registry: registry, acceptsNonCAAnchors: target.acceptsNonCAAnchors, updateCommand: target.updateCommand,
            bundlePath: target.bundlePath, refusal: Self.refusal(of: target), present: present,
            plannedFiles: { target.plannedFiles(for: $0) }, plannedDirectories: { target.plannedDirectories(for: $0) })
    }

    /// Why the store refuses every write, or nil.
    static func refusal(of store: any AnchorStore) -> (any Error)? {
        do {
            try store.preflight()
            return nil
        } catch {
            return error
        }
    }

    /// The store that wrote an entry's files.
    func store(for route: RouteKind) -> (any AnchorStore)? {
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
        var saved: [(store: any AnchorStore, files: [SavedAnchorFile])] = []
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
