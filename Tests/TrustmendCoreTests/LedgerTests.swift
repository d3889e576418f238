import FoundationEssentials
import Testing
@testable import TrustmendCore

@Suite struct LedgerTests {
    func entry(_ host: String, _ port: UInt16, _ sha: String, file: String, state: LedgerEntry.State = .installed) -> LedgerEntry {
        LedgerEntry(
            host: host, port: port, sha256: sha, subject: "CN=x", issuer: "CN=x", notAfter: Date(timeIntervalSince1970: 0),
            files: [file], route: .system, installedAt: Date(timeIntervalSince1970: 0), reason: "manual", state: state)
    }

    /// A ledger as trustmend wrote it while `route` was a string (the JSON store's encoding, compact): one
    /// entry from before the registry route (no `registry`, no `directories`), one from after.
    static let writtenBefore = #"{"entries":[{"files":["\/usr\/local\/share\/ca-certificates\/trustmend-aaaa.crt"],"host":"a.test","installedAt":"2026-11-01T10:00:00Z","issuer":"CN=Root","notAfter":"2030-01-01T00:00:00Z","port":443,"reason":"manual","route":"system","sha256":"aaaa1111","state":"installed","subject":"CN=Root"},{"directories":["\/etc\/docker\/certs.d\/r.test"],"files":["\/etc\/docker\/certs.d\/r.test\/trustmend-bbbb.crt"],"host":"r.test","installedAt":"2026-11-02T10:00:00Z","issuer":"CN=R","notAfter":"2030-01-01T00:00:00Z","port":5000,"reason":"a line","registry":"r.test:5000","route":"registry","sha256":"bbbb2222","state":"pending","subject":"CN=R"}],"version":1}"#

    @Test func anOldLedgerDecodesAndEncodesToTheSameJSON() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let ledger = try decoder.decode(Ledger.self, from: Data(Self.writtenBefore.utf8))
        #expect(ledger.entries.map(\.route) == [.system, .registry])
        #expect(ledger.entries.map(\.registry) == [nil, "r.test:5000"])
        #expect(ledger.entries.map(\.rule) == [nil, nil], "written before trustmend kept the authorising rule")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        #expect(String(decoding: try encoder.encode(ledger), as: UTF8.self) == Self.writtenBefore)
        let unknown = Self.writtenBefore.replacing(#""route":"system""#, with: #""route":"auto""#)
        #expect(throws: DecodingError.self) { try decoder.decode(Ledger.self, from: Data(unknown.utf8)) }
    }

    /// The authorising rule (issue 16, item 3) round-trips, and an entry without one writes no `rule` key.
    @Test func theAuthorisingRuleIsKept() throws {
        var withRule = entry("a.test", 443, "aa", file: "/f")
        withRule.rule = "*.corp.example:5000"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let text = String(decoding: try encoder.encode(Ledger(entries: [withRule, entry("b.test", 443, "bb", file: "/g")])), as: UTF8.self)
        #expect(text.contains(#""rule":"*.corp.example:5000""#) && text.components(separatedBy: #""rule""#).count == 2)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(Ledger.self, from: Data(text.utf8)).entries.map(\.rule) == ["*.corp.example:5000", nil])
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
