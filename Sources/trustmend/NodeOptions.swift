import ArgumentParser
import TrustmendCore
import TrustmendStore

/// The options every command that touches the machine takes.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Run against this directory as the node's root (a sandbox).", valueName: "DIR"))
    var root: String = "/"

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

    func validate() throws {
        try Delegation.refuse([("--root", root != "/"), ("--update-tool", updateTool != nil)])
        guard root.hasPrefix("/") else { throw ValidationError("--root must be an absolute path, not \"\(root)\"") }
        guard (1...3600).contains(updateTimeout) else { throw ValidationError("--update-timeout takes 1 to 3600 seconds") }
        if let distro, DistroFamily(rawValue: distro.lowercased()) == nil {
            throw ValidationError(DistroError.unknownFamily(distro).description)
        }
    }

    /// `--root`: where every node path is opened.
    var nodeRoot: NodeRoot { NodeRoot(root) }

    /// The node's units, docker's and containerd's settings, read as the daemon reads them.
    func facts(systemd: any UnitRestarter) -> NodeFacts { NodeFacts(root: nodeRoot, systemd: systemd) }

    /// The distro row: `--distro`, else chosen from os-release under the root.
    func profile() throws -> DistroProfile {
        if let distro, let family = DistroFamily(rawValue: distro.lowercased()) { return DistroProfile.profile(for: family) }
        let path = nodeRoot.onDisk("/etc/os-release")
        let fallback = nodeRoot.onDisk("/usr/lib/os-release")
        guard let text = NodeFiles.readText(path) ?? NodeFiles.readText(fallback) else {
            throw CommandFailure("cannot read \(path) or \(fallback) to tell the distro; pass --distro FAMILY")
        }
        return try DistroProfile.select(for: OSRelease(parsing: text))
    }

    func store(profile: DistroProfile, bundlePath: String? = nil) -> SystemAnchorStore {
        SystemAnchorStore(
            root: root, profile: profile, toolOverride: updateTool, toolTimeout: .seconds(updateTimeout), bundlePath: bundlePath)
    }

    var ledger: JSONLedgerStore { JSONLedgerStore(root: root) }
}
