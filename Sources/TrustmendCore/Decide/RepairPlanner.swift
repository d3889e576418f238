import FoundationEssentials

/// Decides, per item of a repair batch, whether to refuse, do nothing or install, without touching
/// the machine: the store's facts, the ledger and what already verifies are read before.
///
/// The guards run in order and the first one that decides wins: an anchor the policy accepts, a store
/// that takes the write, an earlier install of the same anchors whose files are there, a chain that
/// already verifies, an anchor that differs from the one installed for the endpoint before (unless
/// pinned), a dry run, the install veto.
public struct RepairPlanner: Sendable {
    public var profile: DistroProfile
    public var site: InstallSite
    public var ledger: Ledger
    /// The install time recorded in the pending entries, and the time anchors are judged at.
    public var now: Date

    public init(profile: DistroProfile, site: InstallSite, ledger: Ledger, now: Date) {
        self.profile = profile
        self.site = site
        self.ledger = ledger
        self.now = now
    }

    /// - Parameter trusted: the chain verifies against every bundle the install is verified against
    ///   (`AnchorStore.existingTrustPEMs()`).
    public func plan(_ request: RepairRequest, chain: PeerChain, trusted: Bool) -> RepairStep {
        let selector = AnchorSelector(choice: request.choice, profile: profile, pins: request.pins, acceptsNonCA: site.acceptsNonCAAnchors)
        let anchors: [ChainCertificate]
        switch selector.select(from: chain, now: now) {
        case .success(let chosen): anchors = chosen
        case .failure(let refusal): return .refused(refusal)
        }
        if let refusal = site.refusal { return .refused(refusal) }
        let plan = RepairPlan(
            chain: chain, anchors: anchors, files: site.plannedFiles(anchors), updateCommand: site.updateCommand, bundlePath: site.bundlePath)
        let endpoint = request.endpoint
        let shas = Set(anchors.map(\.sha256))
        let planned = Set(plan.files)
        let mine = ledger.entries.filter {
            $0.host == endpoint.host && $0.port == endpoint.port && $0.state == .installed && shas.contains($0.sha256)
                && $0.route == site.route && $0.registry == site.registry && planned.isSuperset(of: $0.files)
        }
        if Set(mine.map(\.sha256)) == shas, Set(mine.flatMap(\.files)) == planned, mine.allSatisfy({ $0.files.allSatisfy(site.present.contains) }) {
            return .alreadyInstalled(plan, mine)
        }
        if trusted { return .alreadyTrusted(chain) }
        if let changed = AnchorChanged.check(anchors, for: endpoint, pins: request.pins, ledger: ledger, now: now) {
            return .refused(changed)
        }
        if request.dryRun { return .planned(plan) }
        if let veto = request.installVeto { return .refused(InstallVetoed(reason: veto)) }
        return .install(plan, pending: pendingEntries(request, anchors: anchors))
    }

    /// The ledger entries of an install, marked pending.
    func pendingEntries(_ request: RepairRequest, anchors: [ChainCertificate]) -> [LedgerEntry] {
        let directories = site.plannedDirectories(anchors)
        return anchors.map { anchor in
            LedgerEntry(
                host: request.endpoint.host, port: request.endpoint.port, sha256: anchor.sha256, subject: anchor.subject,
                issuer: anchor.issuer, notAfter: anchor.notAfter, files: site.plannedFiles([anchor]), route: site.route,
                installedAt: now, reason: String(request.reason.prefix(4096)), state: .pending,
                registry: site.registry, directories: directories.isEmpty ? nil : directories, rule: request.rule)
        }
    }
}
