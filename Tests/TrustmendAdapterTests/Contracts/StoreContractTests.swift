import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTesting

/// `FakeLedgerStore` and `FakeStateStore` held to `JSONLedgerStore` and `JSONStateStore` on temp files.
@Suite struct StoreContractTests {
    struct LedgerSubject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () -> any LedgerStore
    }

    struct StateSubject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () -> any StateStore
    }

    static func temporary() -> String { NSTemporaryDirectory() + "trustmend-contract-" + UUID().uuidString }

    static let ledgers = [
        LedgerSubject(testDescription: "FakeLedgerStore") { FakeLedgerStore() },
        LedgerSubject(testDescription: "JSONLedgerStore") { JSONLedgerStore(root: temporary()) },
    ]

    static let states = [
        StateSubject(testDescription: "FakeStateStore") { FakeStateStore() },
        StateSubject(testDescription: "JSONStateStore") { JSONStateStore(path: temporary() + "/state.json") },
    ]

    static func entry(_ host: String, _ state: LedgerEntry.State) -> LedgerEntry {
        LedgerEntry(
            host: host, port: 443, sha256: String(repeating: "ab", count: 32), subject: "CN=CA", issuer: "CN=Root",
            notAfter: Date(timeIntervalSince1970: 1_900_000_000.7), files: ["/usr/local/share/ca-certificates/trustmend-abababababababab.crt"],
            route: .registry, installedAt: Date(timeIntervalSince1970: 1_800_000_000.2), reason: "a line", state: state,
            registry: "\(host):443", directories: ["/etc/docker/certs.d/\(host):443"])
    }

    @Test(arguments: ledgers)
    func aLedgerIsEmptyUntilSavedAndReadsBackAsSaved(_ subject: LedgerSubject) throws {
        let store = subject.make()
        #expect(try store.load() == Ledger())
        let first = Ledger(entries: [Self.entry("a.test", .pending)])
        try store.save(first)
        #expect(try store.load() == first)
        let second = Ledger(entries: [Self.entry("a.test", .installed), Self.entry("b.test", .pending)])
        try store.save(second)
        #expect(try store.load() == second, "a save replaces the whole ledger")
    }

    @Test(arguments: states)
    func aStateIsEmptyUntilSavedAndReadsBackAsSaved(_ subject: StateSubject) throws {
        let store = subject.make()
        #expect(try store.load() == DaemonState())
        var state = DaemonState()
        state.journalCursor = "s=1;i=2"
        state.files = ["/var/log/x.log": FilePosition(device: 1, inode: 2, offset: 3)]
        state.pending = [PendingRepair(host: "a.test", port: 443, engine: "containerd.service", reason: "line", reference: "a.test/app:1")]
        state.restartsOwed = ["containerd.service"]
        state.lastRestart = ["containerd.service": Date(timeIntervalSince1970: 1_800_000_000)]
        try store.save(state)
        #expect(try store.load() == state)
        state.pending = []
        try store.save(state)
        #expect(try store.load() == state)
    }
}
