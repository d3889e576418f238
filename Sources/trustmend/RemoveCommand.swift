import ArgumentParser
import TrustmendCore
import TrustmendStore
import TrustmendTLS

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove anchors trustmend installed (either route), rebuild the bundle, update the ledger.",
        discussion: """
            Files shared with another ledger entry stay until their last entry goes; certs.d directories trustmend \
            created go when they are empty. HOST matches the endpoint whose chain was fetched or the registry a \
            registry-route anchor serves. Engines keep system roots they loaded until they restart; certs.d changes \
            apply at their next pull.
            """)

    @OptionGroup var node: NodeOptions

    @Argument(help: ArgumentHelp("HOST[:PORT], or an anchor's SHA-256 (at least 8 hex digits).", valueName: "HOST[:PORT]|SHA256"))
    var target: String?

    @Flag(name: .long, help: "Remove every anchor trustmend installed.")
    var all = false

    @Flag(name: .long, help: "Show what would be removed; change nothing.")
    var dryRun = false

    func validate() throws {
        guard (target != nil) != all else { throw ValidationError("name one HOST[:PORT] or SHA256, or pass --all") }
        if let target { _ = try Self.selector(target) }
    }

    static func selector(_ text: String) throws -> LedgerSelector {
        do { return try LedgerSelector(parsing: text) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let selector = all ? LedgerSelector.all : try Self.selector(target!)
        let profile = try node.profile()
        let store = node.store(profile: profile)
        let ledger = try node.ledger()
        let matching = try ledger.load().entries(matching: selector)
        guard !matching.isEmpty else {
            print("Nothing to remove: no ledger entry matches \(selector).")
            return
        }
        let system = matching.contains { $0.route == store.route }
        if dryRun {
            for entry in matching {
                print("would remove \(entry.host):\(entry.port) sha256 \(entry.sha256) via the \(entry.route) route (\(entry.files.joined(separator: ", ")))")
            }
            if system { print("would run \(store.updateCommand)") }
            return
        }
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(), store: store, ledger: ledger, profile: profile,
            otherRoutes: [RegistryAnchorStore.remover(root: node.nodeRoot)])
        let removed = try await repairer.remove(selector)
        for entry in removed {
            print("removed \(entry.host):\(entry.port) sha256 \(entry.sha256) (\(entry.files.joined(separator: ", ")))")
        }
        if removed.contains(where: { $0.route == store.route }) {
            print("ran \(store.updateCommand); engines that loaded these anchors keep them until they restart")
        }
        if removed.contains(where: { $0.route != store.route }) {
            print("certs.d anchors are gone at the engines' next pull")
        }
    }
}
