import Foundation
import Testing
import TrustmendCore
@testable import TrustmendSources
import TrustmendStore
import TrustmendSystemd

/// Under a host root the node's journal, bus and collector directory are the node's: read under the root
/// as systemd's own tools read an OS tree (issue 18, item 3).
@Suite final class HostRootNodeTests {
    let tree: HostRootTree
    init() throws { tree = try HostRootTree(shell: false) }
    deinit { tree.remove() }

    static let failure = #"PullImage "reg.example:5000/a:1" failed: x509: certificate signed by unknown authority"#

    /// `var/log/journal/<machine ID>` and `run/log/journal/<machine ID>` under the root are read
    /// (SD_JOURNAL_OS_ROOT); a container's journal linked in beside them, with its own machine ID and the
    /// engine's unit in fields its own journald set, is not.
    @Test(.enabled(if: JournalWriter.available, "needs systemd-journal-remote"))
    func theNodesJournalIsReadAndOnlyTheNodes() async throws {
        let other = "fedcba9876543210fedcba9876543210"
        let persistent = try JournalWriter(directory: tree.file("/var/log/journal/\(HostRootTree.machineID)"))
        let volatile = try JournalWriter(directory: tree.file("/run/log/journal/\(HostRootTree.machineID)"))
        let container = try JournalWriter(directory: tree.file("/var/log/journal/\(other)"))
        try container.append([.init(message: Self.failure + " from a container", fields: [("_MACHINE_ID", other)])])
        try persistent.append([.init(message: Self.failure + " persisted", fields: [("_MACHINE_ID", HostRootTree.machineID)])])
        try volatile.append([.init(message: Self.failure + " volatile", fields: [("_MACHINE_ID", HostRootTree.machineID)])])
        let root = NodeRoot(hostRoot: tree.path)
        let machineID = try #require(MachineID.read(root))
        #expect(machineID == HostRootTree.machineID)
        let source = SystemdJournalSource(location: .osRoot(tree.path, machineID: machineID), passesOver: false)
        let stream = source.follow(units: ["containerd.service"], after: nil, lookBack: .seconds(3600))
        let records = try await JournalSourceTests.read(stream, until: { $0.count >= 2 }, limit: .seconds(10))
        let messages = records.map(\.message)
        #expect(messages.contains { $0.hasSuffix(" persisted") } && messages.contains { $0.hasSuffix(" volatile") })
        #expect(!messages.contains { $0.hasSuffix(" from a container") })
    }

    /// The node's system bus is `<root>/run/dbus/system_bus_socket`, and systemd answers on it.
    @Test(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
    func theNodesBusIsUnderTheRoot() async throws {
        let socket = tree.file("/run/dbus/system_bus_socket")
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 4242]], socket: socket)
        let root = NodeRoot(hostRoot: tree.path)
        #expect(root.systemBusAddress == "unix:path=\(socket)")
        #expect(NodeRoot(tree.path).systemBusAddress == nil, "a sandbox has no bus of its own")
        #expect(NodeRoot.host.systemBusAddress == nil, "/ uses the system bus")
        let state = try await SystemdUnitRestarter(address: root.systemBusAddress).activeState(of: "containerd.service")
        #expect(state.mainPID == 4242)
        _ = bus
    }

    /// The textfile collector's directory is the node's, found through its links inside the root, and
    /// used only when it exists there.
    @Test func theCollectorDirectoryIsTheNodes() throws {
        let publisher = TextfileMetricsPublisher(root: NodeRoot(hostRoot: tree.path))
        let directory = "/var/lib/prometheus/node-exporter"
        #expect(!publisher.directoryExists(directory), "none on this node: nothing is written")
        try FileManager.default.createDirectory(atPath: tree.file("/srv/collector"), withIntermediateDirectories: true)
        try tree.link(directory, to: "/srv/collector")
        #expect(publisher.directoryExists(directory))
        try publisher.publish("trustmend_up 1\n", in: directory)
        #expect(FileManager.default.fileExists(atPath: tree.file("/srv/collector/" + Configuration.metricsFileName)))
    }
}
