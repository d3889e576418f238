import ArgumentParser
import TrustmendConfig
import TrustmendCore
import TrustmendStore

/// The options every command that touches the machine takes.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Run against this directory as the node's root (a sandbox: nothing in it is ever run).", valueName: "DIR"))
    var root: String = "/"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The node's own root, mounted into this container (a DaemonSet's hostPath /): its files are used, links resolved "
                + "inside it, and its update tool is run chrooted into it (default: $\(Self.hostRootVariable)).",
            valueName: "DIR"))
    var hostRoot: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Use this distro family instead of the one /etc/os-release names (\(DistroFamily.allCases.map(\.rawValue).joined(separator: "|"))).",
            valueName: "FAMILY"))
    var distro: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run this program instead of the distro's update tool (it gets the tool's arguments and TRUSTMEND_ROOT).",
            valueName: "PATH"))
    var updateTool: String?

    @Option(name: .long, help: ArgumentHelp("Kill the update tool after this many seconds.", valueName: "SECONDS"))
    var updateTimeout: Int = 120

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The configuration file: its state_directory holds the ledger (default: /etc/trustmend/config.yaml under --root; without it, the defaults).",
            valueName: "FILE"))
    var config: String?

    /// Set by the image: the host root, unless `--host-root` is given.
    static let hostRootVariable = "TRUSTMEND_HOST_ROOT"

    /// `--host-root`, else a non-empty `$TRUSTMEND_HOST_ROOT`, with where it came from (for errors).
    var hostRootGiven: (path: String, source: String)? {
        if let hostRoot { return (hostRoot, "--host-root") }
        if let value = ProcessEnvironment.value(Self.hostRootVariable), !value.isEmpty { return (value, "$\(Self.hostRootVariable)") }
        return nil
    }

    func validate() throws {
        try Delegation.refuse([
            ("--root", root != "/"), ("--host-root", hostRootGiven != nil), ("--update-tool", updateTool != nil), ("--config", config != nil),
        ])
        guard root.hasPrefix("/") else { throw ValidationError("--root must be an absolute path, not \"\(root)\"") }
        if case let (path, source)? = hostRootGiven {
            guard root == "/" else {
                let clear = source == "--host-root" ? "" : " (this container sets \(source); run with \(Self.hostRootVariable)= to clear it)"
                throw ValidationError(
                    "--root \(root) and \(source) \(path) cannot be used together\(clear): --root is a sandbox whose files are never "
                        + "run, \(source) is the node itself, whose update tool is run. Choose one.")
            }
            do { _ = try NodeRoot.checkedHostRoot(path) } catch { throw ValidationError("\(source): \(error)") }
        }
        guard (1...3600).contains(updateTimeout) else { throw ValidationError("--update-timeout takes 1 to 3600 seconds") }
        if let distro, DistroFamily(rawValue: distro.lowercased()) == nil {
            throw ValidationError(DistroError.unknownFamily(distro).description)
        }
    }

    /// `--host-root` (or its variable), else `--root`: where every node path is opened.
    var nodeRoot: NodeRoot { hostRootGiven.map { NodeRoot(hostRoot: $0.path) } ?? NodeRoot(root) }

    /// `--bus`, else the node's own bus under a host root, else the system bus (nil).
    func busAddress(_ given: String?) -> String? { given ?? nodeRoot.systemBusAddress }

    /// The node's units, docker's and containerd's settings, read as the daemon reads them.
    func facts(systemd: any UnitRestarter) -> NodeFacts { NodeFacts(root: nodeRoot, systemd: systemd) }

    /// The distro row: `--distro`, else chosen from os-release under the root.
    func profile() throws -> DistroProfile {
        if let distro, let family = DistroFamily(rawValue: distro.lowercased()) { return DistroProfile.profile(for: family) }
        let path = nodeRoot.resolved("/etc/os-release")
        let fallback = nodeRoot.resolved("/usr/lib/os-release")
        guard let text = NodeFiles.readText(path) ?? NodeFiles.readText(fallback) else {
            throw CommandFailure("cannot read \(path) or \(fallback) to tell the distro; pass --distro FAMILY")
        }
        return try DistroProfile.select(for: OSRelease(parsing: text))
    }

    func store(profile: DistroProfile, bundlePath: String? = nil) -> SystemAnchorStore {
        SystemAnchorStore(
            root: nodeRoot, profile: profile, toolOverride: updateTool, toolTimeout: .seconds(updateTimeout), bundlePath: bundlePath)
    }

    /// `--config`, else the node's `/etc/trustmend/config.yaml` under the root.
    var configurationPath: String { config ?? nodeRoot.resolved(ConfigurationFile.nodePath) }

    /// The configuration the daemon runs with: read as the daemon reads it (`OwnershipRule`), the
    /// defaults when the default file does not exist. Exit 78 (EX_CONFIG) when it cannot be used.
    func configuration() throws -> Configuration {
        try Self.loadConfiguration(configurationPath, required: config != nil)
    }

    /// The state directory the daemon uses, on this machine's disk (under the root).
    func stateDirectory() throws -> String { nodeRoot.resolved(try configuration().stateDirectory) }

    /// The daemon's ledger: `ledger.json` in the configuration's `state_directory`, so that `list`,
    /// `remove`, `fix` and `doctor` see what the daemon installed.
    func ledger() throws -> JSONLedgerStore { JSONLedgerStore(path: try stateDirectory() + "/ledger.json") }

    /// Reads and validates a configuration file; a missing file gives the defaults unless `required`.
    static func loadConfiguration(_ path: String, required: Bool) throws -> Configuration {
        let text: String
        do {
            guard let read = try ConfigurationFile.read(path, required: required) else { return Configuration() }
            text = read
        } catch {
            throw CommandFailure("trustmend: \(error)", exitCode: 78)
        }
        do {
            return try Configuration(yaml: LibYAMLParser.parse(text))
        } catch {
            var located = error
            located.file = path
            throw CommandFailure("trustmend: \(located)", exitCode: 78)
        }
    }
}
