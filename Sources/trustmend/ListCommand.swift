import ArgumentParser
import FoundationEssentials
import TrustmendCore

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the anchors trustmend installed, from its ledger.")

    @OptionGroup var node: NodeOptions

    @Flag(name: .long, help: "Print the ledger entries as JSON Lines.")
    var json = false

    @Flag(
        name: .long,
        help: "Print the state directory the daemon uses (the configuration's state_directory, under --root) and nothing else; the packages' removal scripts record it for purge.")
    var stateDirectory = false

    func run() async throws {
        if stateDirectory {
            let directory = try node.stateDirectory()
            // One line that sh reads back with `read -r`: a name with a control character would not survive it.
            guard !directory.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw CommandFailure("trustmend: the state directory \(TerminalText.escaped(directory)) contains a control character", exitCode: 78)
            }
            print(directory)
            return
        }
        let store = try node.ledger()
        let ledger = try store.load()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            for entry in ledger.entries {
                print(String(decoding: try encoder.encode(entry), as: UTF8.self))
            }
            return
        }
        if ledger.entries.isEmpty {
            print("No anchors installed by trustmend (ledger: \(store.path)).")
            return
        }
        for entry in ledger.entries {
            let endpoint = entry.endpoint?.authority ?? "\(entry.host):\(entry.port)"
            let state = entry.state == .installed ? "" : " [\(entry.state.rawValue): rolled back at the next repair]"
            print("\(endpoint)  sha256 \(entry.sha256)\(state)")
            print("    subject \(TerminalText.escaped(entry.subject))")
            print("    issuer  \(TerminalText.escaped(entry.issuer))")
            let registry = entry.registry.map { " for registry \($0)" } ?? ""
            print("    expires \(entry.notAfter.formatted(.iso8601)), installed \(entry.installedAt.formatted(.iso8601)) via the \(entry.route) route\(registry)")
            for file in entry.files { print("    file    \(TerminalText.escaped(file))") }
            print("    rule    \(entry.rule.map { TerminalText.escaped($0) } ?? "(not recorded: installed before trustmend kept it)")")
            print("    why     \(TerminalText.escaped(entry.reason))")
        }
    }
}
