import ArgumentParser
import FoundationEssentials
import TrustmendCore
import TrustmendStore
import TrustmendSystemd
import TrustmendTLS

struct Fix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Repair one endpoint: fetch its chain, install the anchor, rebuild the bundle, verify, optionally restart.",
        discussion: """
            Trust on first use: the anchor is whatever the server presents now. Check its SHA-256 out of band \
            and pass it with --expect-sha256 when you can. Once trustmend installed an anchor for HOST:PORT, another \
            one is refused without --expect-sha256 naming it (the anchor changed: an attacker, or a new CA; check \
            out of band). Exit status: 0 repaired or nothing to do, 1 failed (anything written was rolled back), \
            3 refused (pin mismatch, the anchor changed, no CA on the certificate's issuance path, a non-CA anchor on \
            a p11-kit distro's system route, a registry route the engine would not read). \
            Routes: system writes the distro's anchor directory, runs its update tool and needs an engine restart; \
            registry writes /etc/docker/certs.d/REGISTRY/ and /etc/containerd/certs.d/REGISTRY/, which the engines \
            read at their next pull of that registry, no restart; auto (default) takes the registry route where \
            every running engine reads it.
            """)

    @OptionGroup var node: NodeOptions
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The endpoint whose certificate failed.", valueName: "HOST[:PORT]"))
    var endpoint: String

    @Option(name: .long, help: ArgumentHelp("Which certificates become anchors: top-ca (default) or full-chain.", valueName: "CHOICE"))
    var anchor: AnchorChoice = .topCA

    @Option(
        name: .customLong("expect-sha256"),
        help: ArgumentHelp("Install only if every anchor has this SHA-256 (repeatable; colons allowed).", valueName: "HEX"))
    var pins: [String] = []

    @Option(name: .long, help: ArgumentHelp("auto (default), system or registry.", valueName: "ROUTE"))
    var route: TrustRoute = .auto

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The registry whose certs.d directory gets the anchor, as image references name it (default: the endpoint; a token or CDN host's CA belongs to its registry).",
            valueName: "HOST[:PORT]"))
    var registry: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Which engine's certs.d: containerd or docker (repeatable; default: the engines running).", valueName: "ENGINE"))
    var engine: [RegistryEngine] = []

    @Flag(name: .long, help: "Print the plan; change nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Restart an engine afterwards over D-Bus: containerd, docker, auto or none.", valueName: "ENGINE"))
    var restart: RestartRequest = .none

    @Option(name: .long, help: ArgumentHelp("Wait this long for a restart job to finish.", valueName: "SECONDS"))
    var restartTimeout: Int = 90

    @Option(name: .long, help: ArgumentHelp("Talk to systemd on this D-Bus address instead of the system bus.", valueName: "ADDRESS"))
    var bus: String?

    func validate() throws {
        try Delegation.refuse([("--bus", bus != nil)])
        _ = try parsedEndpoint()
        for pin in pins {
            let hex = pin.lowercased().filter { $0 != ":" }
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw ValidationError("--expect-sha256 takes 64 hex digits (colons allowed), not \"\(pin)\"")
            }
        }
        guard (1...3600).contains(restartTimeout) else { throw ValidationError("--restart-timeout takes 1 to 3600 seconds") }
        _ = try parsedRegistry()
        if route == .system && (registry != nil || !engine.isEmpty) {
            throw ValidationError("--registry and --engine choose certs.d directories: they need --route registry or auto")
        }
    }

    func parsedRegistry() throws -> RegistryHost {
        if let registry {
            do { return try RegistryHost(parsing: registry) } catch { throw ValidationError("--registry: \(error)") }
        }
        // As the operator spelt it: the engines look up certs.d/<registry> in the reference's case.
        return RegistryHost(endpoint: try parsedEndpoint(), spelling: (try? RegistryHost(parsing: endpoint))?.spelling)
    }

    /// The route and, for the registry route, its store: the node read and the route chosen as the daemon does.
    func chooseRoute(profile: DistroProfile, node facts: NodeFacts) async throws -> (RouteChoice, any AnchorStore) {
        let system = node.store(profile: profile)
        if route == .system { return (RouteChoice(.system, why: "--route system"), system) }
        let running = await facts.runningRegistryEngines()
        let engines = (engine.isEmpty ? running.engines : engine).map { (unit: $0.unit, engine: Optional($0)) }
        let routeFacts = await facts.routeDetails(containerdPID: running.containerdPID).routeFacts
        let found: Result<RegistryHost, RouteRefusal> = .success(try parsedRegistry())
        switch RoutePlanner.choose(route, engines: engines, registry: found, facts: routeFacts) {
        case .success(let choice):
            guard case .registry(let registry, let chosen) = choice.target else { return (choice, system) }
            return (choice, RegistryAnchorStore(root: node.nodeRoot, registry: registry, engines: chosen, systemBundlePath: system.bundlePath))
        case .failure(let refusal):
            let hint = engines.isEmpty ? "; name the engine with --engine containerd|docker" : ""
            throw CommandFailure("trustmend: refusing the registry route: \(refusal)\(hint)", exitCode: 3)
        }
    }

    func parsedEndpoint() throws -> Endpoint {
        do { return try Endpoint(parsing: endpoint) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let endpoint = try parsedEndpoint()
        let profile = try node.profile()
        let facts = node.facts(systemd: SystemdUnitRestarter(address: node.busAddress(bus)))
        let (choice, store) = try await chooseRoute(profile: profile, node: facts)
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(), store: store, ledger: try node.ledger(),
            profile: profile, otherRoutes: [node.store(profile: profile), RegistryAnchorStore.remover(root: node.nodeRoot)])
        print("route: \(choice.target) — \(choice.why)")

        if !dryRun {
            let recovered = try await repairer.recover()
            for entry in recovered {
                print("rolled back an install a crash left unfinished: \(entry.host):\(entry.port) sha256 \(entry.sha256)")
            }
        }

        let request = RepairRequest(
            endpoint: endpoint, fetchOptions: try connection.fetchOptions(for: endpoint), choice: anchor, pins: Set(pins),
            reason: "manual", dryRun: dryRun)
        print("fetching the chain of \(endpoint)\(request.fetchOptions.proxy.map { " through proxy \($0)" } ?? "")")
        let result: Result<RepairOutcome, RepairError>
        do { result = .success(try await repairer.repair(request)) } catch { result = .failure(error) }
        let outcome: RepairOutcome
        switch result {
        case .success(let value): outcome = value
        case .failure(let error):
            // A refusal quotes the server's subjects and issuers: escaped like every other terminal line.
            throw CommandFailure("trustmend: \(TerminalText.escaped("\(error)"))", exitCode: error.code == .refused ? 3 : 1)
        }

        switch outcome {
        case .alreadyTrusted(let chain):
            describe(chain)
            if store.restartsEngines {
                print("already trusted: the chain verifies against \(store.bundlePath); nothing to install")
                print("if the engine still fails, it has not reloaded its roots since the bundle changed: restart it")
            } else {
                print("already trusted: the system bundle and the certificates in certs.d verify the chain; nothing to install")
                print("if the engine still fails, it has not reloaded the system bundle since it changed (restart it), "
                    + "or it does not read certs.d: trustmend doctor")
                return
            }
        case .alreadyInstalled(let plan, _):
            describe(plan.chain)
            print("already installed by trustmend: \(plan.files.joined(separator: ", ")); nothing rewritten")
        case .planned(let plan):
            describe(plan.chain)
            describe(anchors: plan.anchors)
            for file in plan.files { print("would write \(file) (mode 0644)") }
            if store.restartsEngines { print("would run \(plan.updateCommand)") }
            print("would verify the chain against \(plan.bundlePath)")
            if store.restartsEngines && restart != .none { print("would plan a restart: --restart \(restart.rawValue)") }
            return
        case .installed(let plan, _):
            describe(plan.chain)
            describe(anchors: plan.anchors)
            for file in plan.files { print("wrote \(file)") }
            if store.restartsEngines { print("ran \(plan.updateCommand)") }
            print("verified: the chain now validates against \(plan.bundlePath)")
        }
        guard store.restartsEngines else {
            print("no restart needed: the engines read certs.d at their next pull of \(store.registry?.directoryName ?? "the registry")")
            return
        }
        if outcome.changedTrust || restart != .none {
            try await restartEngines(node: facts)
        }
    }

    func describe(_ chain: PeerChain) {
        print("the server sent \(chain.certificates.count) certificate\(chain.certificates.count == 1 ? "" : "s"):")
        for (index, cert) in chain.certificates.enumerated() {
            let kind = cert.isSelfSigned ? "self-signed " + (cert.isCA ? "CA" : "server certificate") : cert.isCA ? "CA" : "server certificate"
            print("  \(index) \(TerminalText.escaped(cert.subject)) — \(kind), issued by \(TerminalText.escaped(cert.issuer)), sha256 \(cert.sha256)")
        }
    }

    func describe(anchors: [ChainCertificate]) {
        for anchor in anchors {
            print("anchor: \(TerminalText.escaped(anchor.subject)), sha256 \(anchor.sha256), expires \(anchor.notAfter.formatted(.iso8601))")
        }
    }

    func restartEngines(node facts: NodeFacts) async throws {
        guard restart != .none else {
            print("restart required: Go-based engines load the roots once per process; run again with --restart auto, "
                + "or restart containerd/docker yourself")
            return
        }
        let engines: EngineFacts
        do { engines = try await facts.engineFacts() } catch {
            throw CommandFailure("trustmend: the anchor is installed, but systemd cannot be reached to restart the engine: \(error)")
        }
        var failed = false
        for decision in RestartPlanner.plan(restart, facts: engines) {
            guard case .restart(let unit, let warning) = decision else {
                print(decision.description)
                continue
            }
            if let warning { print("warning: \(warning)") }
            do {
                let outcome = try await facts.systemd.restart(unit: unit, timeout: .seconds(restartTimeout))
                if outcome.succeeded {
                    print("restarted \(unit)")
                } else {
                    print("restart of \(unit) ended with \"\(outcome.result)\"; see journalctl -u \(unit)")
                    failed = true
                }
            } catch {
                print("cannot restart \(unit): \(error)")
                failed = true
            }
        }
        if failed { throw CommandFailure("trustmend: the anchor is installed, but an engine restart failed") }
    }
}
