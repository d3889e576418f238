import Foundation
import Testing

/// `trustmend run` in a pod, end to end on a small node tree: the node's journal, bus and update tool
/// all under the host root, as the DaemonSet runs it (issue 18, item 3).
@Suite(.enabled(
    if: HostRootTree.shellAvailable && PrivateBus.available && JournalWriter.available,
    "needs root, dash, dbus-daemon, python3-dbusmock and systemd-journal-remote"))
final class HostRootDaemonTests {
    let tree: HostRootTree
    init() throws { tree = try HostRootTree() }
    deinit { tree.remove() }

    /// The node's update-ca-trust, reduced to what the shell's builtins can do: every anchor into the
    /// extracted bundle, which ca-bundle.crt links to absolutely.
    static let tool = """
        #!/bin/sh
        [ "$1" = extract ] || exit 2
        out=/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
        : > "$out"
        for f in /etc/pki/ca-trust/source/anchors/*; do
          [ -f "$f" ] || continue
          while IFS= read -r line; do echo "$line"; done < "$f" >> "$out"
        done
        """

    @Test func theDaemonInAPodRepairsTheNodeOnTheSystemRoute() async throws {
        try tree.write("/usr/bin/update-ca-trust", Self.tool, mode: 0o755)
        try tree.write("/etc/trustmend/config.yaml", "mode: enforce\nallow:\n  - host: localhost\ndebounce: 1s\nfetch:\n  proxy: none\n")
        let bus = try PrivateBus(units: ["containerd.service": ["pid": 10]], socket: tree.file("/run/dbus/system_bus_socket"))
        let id = HostRootTree.machineID
        let journal = try JournalWriter(directory: tree.file("/var/log/journal/\(id)"))
        let container = try JournalWriter(directory: tree.file("/var/log/journal/fedcba9876543210fedcba9876543210"))
        try journal.append([.init(message: "starting", fields: [("_MACHINE_ID", id)])])
        let pki = try TestPKI()
        let server = try TestServer.tls(pki: pki)
        let decoy = try TestServer.tls(pki: try TestPKI())

        let (process, text) = try await tree.startDaemon(["--verbose", "--log-level", "debug"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // A container's journal linked into the node's says the same of the decoy, under the engine's unit.
        try container.append([
            .init(message: DaemonProcessTests.failure(decoy.port), fields: [("_MACHINE_ID", "fedcba9876543210fedcba9876543210")])
        ])
        try journal.append([.init(message: DaemonProcessTests.failure(server.port), fields: [("_MACHINE_ID", id)])])
        try await eventually("containerd restarted on the node's bus") { try bus.calls("RestartUnit").count == 1 }
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]], "\(text())")
        let anchors = (try? FileManager.default.contentsOfDirectory(atPath: tree.file("/etc/pki/ca-trust/source/anchors"))) ?? []
        #expect(anchors.count == 1 && anchors[0].hasPrefix("trustmend-"))
        let line = try pki.pem("int.pem").split(separator: "\n")[1]
        #expect(tree.read(HostRootTree.bundle)?.contains(line) == true, "the node's tool rebuilt the node's bundle")
        #expect(text().contains("event=installed"), "\(text())")
        #expect(!text().contains(":\(decoy.port)"), "the container's journal caused nothing")
        #expect(FileManager.default.fileExists(atPath: tree.file("/var/lib/trustmend/ledger.json")), "the ledger is the node's")

        // The liveness probe in the same container: the heartbeat in the node's state directory, which
        // counts the node's journal under the root as present.
        var health = try CommandLineTests.run(["health"], environment: ["TRUSTMEND_HOST_ROOT": tree.path])
        try await eventually("the heartbeat") {
            health = try CommandLineTests.run(["health"], environment: ["TRUSTMEND_HOST_ROOT": tree.path])
            return health.status == 0
        }
        #expect(health.status == 0, "\(health.stdout)\(health.stderr)")

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text().suffix(2000))")
    }
}
