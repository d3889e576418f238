import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTesting

/// A FIFO (or a device) where trustmend expects a file is refused at once, never waited on (issue 16,
/// item 17): opening one for reading blocks until someone writes, and one named `*.crt` in certs.d or
/// in the anchor directory stalled a whole batch.
@Suite struct NonRegularFileTests {
    let root = try! SandboxRoot()

    /// Runs `body` on a thread of its own; nil when it has not returned within `seconds` (it is then left
    /// blocked until `unblock` has opened the FIFOs it waits on for writing).
    static func within<T: Sendable>(_ seconds: Int = 5, unblock: [String], _ body: @escaping @Sendable () throws -> T) -> Result<T, any Error>? {
        let done = DispatchSemaphore(value: 0)
        let result = LockedBox<Result<T, any Error>?>(nil)
        Thread.detachNewThread {
            result.set(Result { try body() })
            done.signal()
        }
        if done.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
            for fifo in unblock {
                let fd = open(fifo, O_WRONLY | O_NONBLOCK)
                if fd >= 0 { close(fd) }
            }
            return nil
        }
        return result.get()
    }

    func fifo(_ nodePath: String) throws -> String {
        let path = root.file(nodePath)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(mkfifo(path, 0o644) == 0)
        return path
    }

    @Test func aFIFOInCertsDIsSkipped() throws {
        let registry = try RegistryHost(parsing: "registry.test:5000")
        let store = RegistryAnchorStore(root: root.path, registry: registry, engines: [.docker], systemBundlePath: "/etc/ssl/certs/ca-certificates.crt")
        let pem = try TestChain().intermediate.pem
        try root.write("/etc/docker/certs.d/registry.test:5000/ca.crt", pem, mode: 0o644)
        let fifo = try fifo("/etc/docker/certs.d/registry.test:5000/stall.crt")
        let trust = Self.within(unblock: [fifo]) { try store.existingTrustPEMs() }
        let pems = try #require(trust, "reading certs.d waited on the FIFO").get()
        #expect(pems.count == 1 && PEM.certificates(in: pems[0]) == PEM.certificates(in: pem), "the certificate, and nothing of the FIFO")
        #expect(Self.within(unblock: [fifo]) { try store.bundlePEM() } != nil)
    }

    /// A FIFO under the anchor's own name is replaced by the anchor, not read.
    @Test func aFIFOUnderTheAnchorsNameIsReplaced() throws {
        let t = try TestChain()
        let store = SystemAnchorStore(root: root.path, profile: .profile(for: .debian))
        let planned = try #require(store.plannedFiles(for: [t.intermediate]).first)
        let fifo = try fifo(planned)
        let wrote = try #require(Self.within(unblock: [fifo]) { try store.write([t.intermediate]) }, "the write waited on the FIFO").get()
        #expect(wrote == [planned])
        #expect(root.read(planned) == t.intermediate.pem)
    }

    /// The ledger and the bundle: a FIFO is an error that says so.
    @Test func aFIFOInPlaceOfTheLedgerOrTheBundleIsAnError() throws {
        let ledger = try fifo("/var/lib/trustmend/ledger.json")
        let loaded = try #require(Self.within(unblock: [ledger]) { try JSONLedgerStore(root: root.path).load() }, "the ledger read waited")
        #expect(throws: TrustStoreError.self) { try loaded.get() }
        #expect("\(loaded)".contains("not a regular file"), "\(loaded)")

        let bundle = try fifo("/etc/ssl/certs/ca-certificates.crt")
        let store = SystemAnchorStore(root: root.path, profile: .profile(for: .debian))
        let read = try #require(Self.within(unblock: [bundle]) { try store.bundlePEM() }, "the bundle read waited")
        #expect(throws: TrustStoreError.self) { try read.get() }
    }

    /// `fix` reading os-release under --root: a FIFO there ends the command with its error, at once.
    @Test func aFIFOInPlaceOfOSReleaseDoesNotHangACommand() throws {
        try FileManager.default.removeItem(atPath: root.file("/etc/os-release"))
        let fifo = try fifo("/etc/os-release")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["fix", "localhost:1", "--dry-run", "--root", root.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            Issue.record("fix waited on the FIFO in place of os-release")
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            kill(process.processIdentifier, SIGKILL)
            return
        }
        #expect(process.terminationStatus != 0)
    }
}

/// A value set on one thread and read on another.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}
