import FoundationEssentials
import Testing
@testable import TrustmendCore

@Suite struct LedgerTests {
    func entry(_ host: String, _ port: UInt16, _ sha: String, file: String, state: LedgerEntry.State = .installed) -> LedgerEntry {
        LedgerEntry(
            host: host, port: port, sha256: sha, subject: "CN=x", issuer: "CN=x", notAfter: Date(timeIntervalSince1970: 0),
            files: [file], route: "system", installedAt: Date(timeIntervalSince1970: 0), reason: "manual", state: state)
    }

    @Test func aSharedFileStaysUntilItsLastEntryGoes() {
        let a = entry("a.test", 443, "aaaa1111", file: "/x/trustmend-aaaa.crt")
        let b = entry("b.test", 5000, "aaaa1111", file: "/x/trustmend-aaaa.crt")
        let c = entry("c.test", 443, "cccc2222", file: "/x/trustmend-cccc.crt")
        let ledger = Ledger(entries: [a, b, c])
        #expect(ledger.filesOnlyReferenced(by: [a]).isEmpty)
        #expect(ledger.filesOnlyReferenced(by: [a, b]) == ["/x/trustmend-aaaa.crt"])
        #expect(ledger.filesOnlyReferenced(by: [c]) == ["/x/trustmend-cccc.crt"])
    }

    @Test(arguments: [
        ("a.test:5000", 1), ("a.test", 2), ("A.TEST:443", 1), ("aaaa1111", 2), ("AA:AA:11:11", 2), ("b.test", 0),
    ])
    func selectorsMatch(text: String, count: Int) throws {
        let ledger = Ledger(entries: [
            entry("a.test", 443, "aaaa1111ffff", file: "/f1"), entry("a.test", 5000, "aaaa1111eeee", file: "/f2"),
            entry("c.test", 443, "cccc", file: "/f3"),
        ])
        #expect(ledger.entries(matching: try LedgerSelector(parsing: text)).count == count)
    }

    @Test func selectorRefusesGarbage() {
        #expect(throws: EndpointError.self) { try LedgerSelector(parsing: "../../etc") }
    }

    @Test func roundTripsThroughJSON() throws {
        let ledger = Ledger(entries: [entry("a.test", 443, "aa", file: "/f", state: .pending)])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(Ledger.self, from: encoder.encode(ledger)) == ledger)
    }
}
