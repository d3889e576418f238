import ArgumentParser
import TrustmendCore
import TrustmendTLS

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove anchors trustmend installed, rebuild the bundle, update the ledger.",
        discussion: "Files shared with another ledger entry stay until their last entry goes. Engines keep the roots they loaded until they restart.")

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
        let ledger = node.ledger
        let matching = try ledger.load().entries(matching: selector)
        guard !matching.isEmpty else {
            print("Nothing to remove: no ledger entry matches \(selector).")
            return
        }
        if dryRun {
            for entry in matching { print("would remove \(entry.host):\(entry.port) sha256 \(entry.sha256) (\(entry.files.joined(separator: ", ")))") }
            print("would run \(store.updateCommand)")
            return
        }
        let repairer = Repairer(
            fetcher: OpenSSLChainFetcher(), verifier: OpenSSLChainVerifier(), store: store, ledger: ledger, profile: profile)
        let removed = try await repairer.remove(selector)
        for entry in removed { print("removed \(entry.host):\(entry.port) sha256 \(entry.sha256)") }
        print("ran \(store.updateCommand); engines that loaded these anchors keep them until they restart")
    }
}
