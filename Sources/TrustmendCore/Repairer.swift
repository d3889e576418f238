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

    public init(
        endpoint: Endpoint, fetchOptions: FetchOptions = FetchOptions(), choice: AnchorChoice = .topCA,
        pins: Set<String> = [], reason: String = "manual", dryRun: Bool = false
    ) {
        self.endpoint = endpoint
        self.fetchOptions = fetchOptions
        self.choice = choice
        self.pins = pins
        self.reason = reason
        self.dryRun = dryRun
    }
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
    public var now: @Sendable () -> Date

    public init(
        fetcher: any ChainFetcher, verifier: any ChainVerifier, store: any AnchorStore, ledger: any LedgerStore,
        profile: DistroProfile, now: @escaping @Sendable () -> Date = { Date() }
    ) {
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

    /// The repair with a chain already fetched (the daemon fetches once, then decides by policy).
    public func repair(_ request: RepairRequest, chain: PeerChain) async throws(RepairError) -> RepairOutcome {
        let endpoint = request.endpoint
        func fail(_ code: RepairError.Code, _ cause: any Error, rolledBack: Bool = false) -> RepairError {
            RepairError(code: code, endpoint: endpoint, rolledBack: rolledBack, cause: cause)
        }

        let selector = AnchorSelector(choice: request.choice, profile: profile, pins: request.pins)
        let anchors: [ChainCertificate]
        switch selector.select(from: chain, now: now()) {
        case .success(let chosen): anchors = chosen
        case .failure(let refusal): throw fail(.refused, refusal)
        }
        let plan = RepairPlan(
            chain: chain, anchors: anchors, files: store.plannedFiles(for: anchors),
            updateCommand: store.updateCommand, bundlePath: store.bundlePath)

        var book: Ledger
        do { book = try ledger.load() } catch { throw fail(.ledger, error) }

        let shas = Set(anchors.map(\.sha256))
        let mine = book.entries.filter {
            $0.host == endpoint.host && $0.port == endpoint.port && $0.state == .installed && shas.contains($0.sha256)
                && $0.route == store.route
        }
        if Set(mine.map(\.sha256)) == shas, mine.allSatisfy({ $0.files.allSatisfy(store.exists) }) {
            return .alreadyInstalled(plan, mine)
        }
        if let bundle = try? store.bundlePEM(), (try? verifier.verify(chain, againstBundle: bundle, extraAnchors: [])) != nil {
            return .alreadyTrusted(chain)
        }
        if request.dryRun { return .planned(plan) }

        let when = now()
        let entries = zip(anchors, plan.files).map { anchor, file in
            LedgerEntry(
                host: endpoint.host, port: endpoint.port, sha256: anchor.sha256, subject: anchor.subject,
                issuer: anchor.issuer, notAfter: anchor.notAfter, files: [file], route: store.route, installedAt: when,
                reason: String(request.reason.prefix(4096)), state: .pending)
        }
        // Pending first: a crash between here and the end leaves a record that `recover()` rolls back.
        let before = book
        book.entries.removeAll { entry in entries.contains { $0.host == entry.host && $0.port == entry.port && $0.sha256 == entry.sha256 } }
        book.entries += entries
        do { try ledger.save(book) } catch { throw fail(.ledger, error) }

        // Files that another entry already relies on stay put in a rollback.
        let shared = Set(before.entries.filter { $0.state == .installed }.flatMap(\.files))
        func rollback(_ written: [String]) async {
            try? store.delete(written.filter { !shared.contains($0) })
            _ = try? await store.refresh()
            try? ledger.save(before)
        }

        let written: [String]
        do {
            written = try store.write(anchors)
        } catch {
            await rollback(plan.files)
            throw fail(.write, error, rolledBack: true)
        }
        do {
            _ = try await store.refresh()
        } catch {
            await rollback(written)
            throw fail(.updateTool, error, rolledBack: true)
        }
        do {
            let bundle = try store.bundlePEM()
            try verifier.verify(chain, againstBundle: bundle, extraAnchors: [])
        } catch {
            await rollback(written)
            throw fail(.verification, error, rolledBack: true)
        }

        let installed = entries.map { entry -> LedgerEntry in
            var e = entry
            e.state = .installed
            return e
        }
        book.entries.removeAll { entry in entries.contains(entry) }
        book.entries += installed
        do {
            try ledger.save(book)
        } catch {
            await rollback(written)
            throw fail(.ledger, error, rolledBack: true)
        }
        return .installed(plan, installed)
    }

    /// Rolls back installs a crash left pending: their files go (unless an installed entry shares them),
    /// the bundle is rebuilt, the entries are dropped. Returns the entries rolled back.
    public func recover() async throws -> [LedgerEntry] {
        var book = try ledger.load()
        let pending = book.entries.filter { $0.state == .pending }
        guard !pending.isEmpty else { return [] }
        let doomed = book.filesOnlyReferenced(by: pending)
        try store.delete(doomed)
        _ = try await store.refresh()
        book.entries.removeAll { $0.state == .pending }
        try ledger.save(book)
        return pending
    }

    /// Removes the entries the selector names, deletes the files no other entry needs, rebuilds the
    /// bundle. When the rebuild fails the files are put back and the ledger is left as it was.
    public func remove(_ selector: LedgerSelector) async throws -> [LedgerEntry] {
        var book = try ledger.load()
        let doomed = book.entries(matching: selector).filter { $0.route == store.route }
        guard !doomed.isEmpty else { return [] }
        let files = book.filesOnlyReferenced(by: doomed)
        let saved = try store.read(files)
        try store.delete(files)
        do {
            _ = try await store.refresh()
        } catch {
            try? store.restore(saved)
            throw error
        }
        book.entries.removeAll { doomed.contains($0) }
        try ledger.save(book)
        return doomed
    }
}
