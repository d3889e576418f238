import Foundation
import Logging
import Synchronization
import Testing
import TrustmendConfig
import TrustmendCore
import TrustmendDaemon
import TrustmendPlatform
import TrustmendStore
import TrustmendTesting

/// Issue 18, item 4: the reload service with a real inotify watch on a real directory, changed the way
/// kubelet, an editor and a package change it.
@Suite(.timeLimit(.minutes(2)))
struct ConfigMapReloadTests {
    /// The reload service running on one configuration file; what it applied and said.
    final class Rig {
        final class Applied: Sendable { let list = Mutex<[Configuration]>([]) }
        let logs = CapturingLogHandler.Store()
        let applied = Applied()
        let path: String
        private var running: Task<Void, any Error>?

        init(path: String) throws {
            self.path = path
            let watcher = try DirectoryWatcher(directory: (path as NSString).deletingLastPathComponent)
            let logs = self.logs
            var logger = Logger(label: "test") { _ in CapturingLogHandler(store: logs) }
            logger.logLevel = .debug
            let applied = self.applied
            let service = ReloadService(
                load: { try Self.load(path) }, apply: { config in applied.list.withLock { $0.append(config) } },
                notifier: FakeServiceNotifier(), initialStatus: "watching", logger: logger,
                watch: ConfigurationWatch(
                    path: path, changes: watcher.changes(quiet: .milliseconds(300)),
                    content: { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }))
            running = Task { try await service.run() }
        }

        deinit { running?.cancel() }

        static func load(_ path: String) throws -> Configuration {
            guard let text = try ConfigurationFile.read(path, required: true) else { throw CocoaError(.fileNoSuchFile) }
            return try Configuration(yaml: LibYAMLParser.parse(text))
        }

        var reloads: Int { applied.list.withLock { $0.count } }
        var last: Configuration? { applied.list.withLock { $0.last } }
        func said(_ text: String) -> Int { logs.events.withLock { $0.filter { $0.message.contains(text) }.count } }
    }

    static let report = "mode: report\n"
    static let enforce = "mode: enforce\nallow:\n  - host: \"registry.corp.example\"\n"
    static let other = "mode: enforce\nallow:\n  - host: \"other.corp.example\"\n"
    static let bad = "mode: sometimes\n"

    let base = NSTemporaryDirectory() + "trustmend-configmap-" + UUID().uuidString

    @Test func aConfigMapSwappedToAGoodConfigurationIsLoaded() async throws {
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": Self.report])
        let rig = try Rig(path: mount.file("config.yaml"))
        try mount.publish(["config.yaml": Self.enforce])
        try await eventually("the reload", within: .seconds(30)) { rig.reloads == 1 }
        #expect(rig.last?.reportOnly == false)
        #expect(rig.last?.allow.map { "\($0.host)" }.first?.contains("registry.corp.example") == true)
        #expect(rig.said("configuration reloaded") == 1)
    }

    @Test func aBadConfigMapIsRefusedAndTheRunningRulesStay() async throws {
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": Self.report])
        let rig = try Rig(path: mount.file("config.yaml"))
        try mount.publish(["config.yaml": Self.enforce])
        try await eventually("the good reload", within: .seconds(30)) { rig.reloads == 1 }
        try mount.publish(["config.yaml": Self.bad])
        try await eventually("the refusal", within: .seconds(30)) { rig.said("new configuration refused") == 1 }
        #expect(rig.logs.events.withLock { $0.contains { $0.message.contains("sometimes") } })
        #expect(rig.reloads == 1, "nothing applied: the rules of the good ConfigMap stay")
        #expect(rig.last?.reportOnly == false)
    }

    /// A chmod (kubelet's resync, an operator's `chmod`) changes no content: no reload, no line but debug.
    @Test func anAttributeChangeDoesNotReload() async throws {
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": Self.enforce])
        let rig = try Rig(path: mount.file("config.yaml"))
        // The layout's links are in the watched directory; touch the one the daemon is told.
        try mount.touchAttributes()
        _ = chmod(mount.path, 0o750)
        try #require(lchown(mount.file("config.yaml"), 0, 0) == 0)
        try await eventually("the change is seen and judged", within: .seconds(30)) { rig.said("nothing to reload") >= 1 }
        #expect(rig.reloads == 0)
        #expect(rig.said("configuration reloaded") == 0 && rig.said("refused") == 0)
    }

    /// A node's file: rewritten in place (an editor without a backup, `cat >`), then replaced by a rename
    /// (a package upgrade, most editors).
    @Test func aPlainFileRewrittenInPlaceAndReplacedByRenameIsLoaded() async throws {
        try FileManager.default.createDirectory(atPath: base + "/etc/trustmend", withIntermediateDirectories: true)
        let path = base + "/etc/trustmend/config.yaml"
        try Self.report.write(toFile: path, atomically: false, encoding: .utf8)
        let rig = try Rig(path: path)

        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(Self.enforce.utf8))
        try handle.close()
        try await eventually("the reload after the rewrite", within: .seconds(30)) { rig.reloads == 1 }
        #expect(rig.last?.reportOnly == false)

        let temporary = base + "/etc/trustmend/.config.yaml.new"
        try Self.other.write(toFile: temporary, atomically: false, encoding: .utf8)
        try #require(rename(temporary, path) == 0)
        try await eventually("the reload after the rename", within: .seconds(30)) { rig.reloads == 2 }
        #expect(rig.last?.allow.map { "\($0.host)" }.first?.contains("other.corp.example") == true)
    }

    /// The ConfigMap's files are read through kubelet's two links, and still under OwnershipRule: a file
    /// the links lead to that is not root's is refused, by the reader and so by the reload.
    @Test func aConfigMapFileNotOwnedByRootIsRefused() async throws {
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": Self.enforce])
        #expect(try ConfigurationFile.read(mount.file("config.yaml"), required: true) == Self.enforce, "root's files, through the links")
        let rig = try Rig(path: mount.file("config.yaml"))

        try mount.publish(["config.yaml": Self.other], owner: 1000)
        let error = #expect(throws: ConfigurationFileError.self) { try ConfigurationFile.read(mount.file("config.yaml"), required: true) }
        #expect(error?.code == .untrusted)
        #expect(error?.description.contains("owned by uid 1000") == true, "\(String(describing: error))")
        try await eventually("the refusal", within: .seconds(30)) { rig.said("new configuration refused") == 1 }
        #expect(rig.reloads == 0)
    }

    /// A link is followed only when it is root's: whoever owns a link can point it anywhere.
    @Test func aLinkNotOwnedByRootIsRefused() throws {
        let mount = try AtomicWriterDirectory(path: base + "/etc/trustmend")
        try mount.publish(["config.yaml": Self.enforce])
        let link = base + "/etc/trustmend/user-link.yaml"
        try #require(symlink("config.yaml", link) == 0 && lchown(link, 1000, 1000) == 0)
        let error = #expect(throws: ConfigurationFileError.self) { try ConfigurationFile.read(link, required: true) }
        #expect(error?.code == .untrusted)
        #expect(error?.description.contains("chown -h root") == true, "\(String(describing: error))")
    }
}
