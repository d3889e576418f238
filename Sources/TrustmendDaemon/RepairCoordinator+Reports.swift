import FoundationEssentials
import Logging
import TrustmendCore

extension RepairCoordinator {
    /// Reports a skip: a host outside the allow list with the command to run after checking its anchor
    /// out of band (fetched when `fetch`), anything else as not repaired. `image`: the image whose trace
    /// found the host, when a trace did; the report names `trustmend trace IMAGE` too.
    func report(_ endpoint: Endpoint, reason: SkipReason, unit: String?, fetch: Bool, image: String? = nil) async {
        var meta: Logger.Metadata = ["host": .string(endpoint.host), "port": .stringConvertible(endpoint.port), "why": .string(reason.description)]
        if let image {
            meta["image"] = .string(image)
            meta["trace_command"] = .string("trustmend trace \(image)")
        }
        guard case .notAllowed = reason else {
            log(.refused(.skipped), level: .warning, meta)
            return
        }
        var chain: PeerChain?
        if fetch { chain = try? await wiring.fetcher.fetchChain(from: endpoint, options: await fetchOptions(endpoint, unit: unit)) }
        if let chain,
            case .success(let anchors) = AnchorSelector(choice: configuration.anchor, profile: wiring.profile).select(from: chain, now: wallNow)
        {
            EventLog.describe(anchors, for: endpoint, into: &meta)
            meta["subject"] = .string(anchors.first?.subject ?? "")
        } else {
            meta["command"] = .string("trustmend fix \(endpoint.authority) --dry-run")
        }
        log(.reported(.notAllowed), level: .warning, meta)
    }

    /// Report mode: what the repair would install, or why it would refuse.
    func reportWouldInstall(_ approval: Approval, chain: PeerChain, route: RouteChoice) {
        var meta = EventLog.fields(approval.detection)
        meta["route"] = .string(route.target.description)
        meta["route_reason"] = .string(route.why)
        let acceptsNonCA = route.target == .system ? wiring.profile.acceptsNonCAAnchors : true
        switch AnchorSelector(choice: approval.choice, profile: wiring.profile, pins: approval.pins, acceptsNonCA: acceptsNonCA)
            .select(from: chain, now: wallNow)
        {
        case .success(let anchors):
            let ledger = (try? wiring.makeRepairer(configuration).ledger.load()) ?? Ledger()
            if let changed = AnchorChanged.check(anchors, for: approval.endpoint, pins: approval.pins, ledger: ledger, now: wallNow) {
                log.anchorChanged(changed, reportMode: true, meta)
                return
            }
            EventLog.describe(anchors, for: approval.endpoint, into: &meta)
            log(.reported(.wouldInstall), level: .notice, meta)
        case .failure(let refusal):
            meta["why"] = .string(refusal.description)
            log(.refused(.wouldRefuse), level: .warning, meta)
        }
    }

    /// How to reach an endpoint the way the engine that failed does: through the proxy its unit's
    /// environment names, when `fetch.proxy` is `engine` (FACTS §16).
    func fetchOptions(_ endpoint: Endpoint, unit: String?) async -> FetchOptions {
        var options = FetchOptions(connectTimeout: configuration.connectTimeout, handshakeTimeout: configuration.handshakeTimeout)
        switch configuration.proxy {
        case .none: break
        case .url(let proxy): options.proxy = proxy
        case .engine:
            var environment: [String] = []
            if let unit, let state = try? await wiring.systemd.activeState(of: unit) { environment = state.environment }
            options.proxy = wiring.engineProxy(endpoint, environment)
        }
        return options
    }
}
