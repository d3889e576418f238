import Foundation
import Testing
import TrustmendCore
import TrustmendStore
@testable import trustmend

/// Certificate subjects and ledger text reach the operator's terminal escaped: a subject carrying an
/// escape sequence or a bidirectional override cannot clear the screen, recolour or reorder what `list`,
/// `fetch --summary` and `fix` show.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("CN=Corp Root CA", "CN=Corp Root CA"),
        ("CN=\u{1b}[2J\u{1b}[31mEvil", "CN=\\u{1b}[2J\\u{1b}[31mEvil"),
        ("CN=a\u{7f}b\u{9b}c", "CN=a\\u{7f}b\\u{9b}c"),
        ("CN=admin\u{202e}gpj.exe", "CN=admin\\u{202e}gpj.exe"),
        ("CN=Ünïcödé 証明書", "CN=Ünïcödé 証明書"),
        ("line\nbreak\ttab", "line\\u{a}break\\u{9}tab"),
    ])
    func escaped(raw: String, shown: String) {
        #expect(TerminalText.escaped(raw) == shown)
    }

    @Test func listShowsALedgerEntrysTextEscaped() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        let entry = LedgerEntry(
            host: "reg.example", port: 443, sha256: String(repeating: "ab", count: 32), subject: "CN=\u{1b}]0;owned\u{7}Corp",
            issuer: "CN=Corp\u{202e}", notAfter: Date(timeIntervalSince1970: 2_000_000_000), files: ["/usr/local/share/ca-certificates/trustmend-x.crt"],
            route: .system, installedAt: Date(timeIntervalSince1970: 1_900_000_000), reason: "pull failed\u{1b}[2J", state: .installed)
        try JSONLedgerStore(root: root.path).save(Ledger(entries: [entry]))
        let list = try CommandLineTests.run(["list", "--root", root.path])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(!list.stdout.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || $0.value == 0x202e }, "\(list.stdout)")
        #expect(list.stdout.contains("subject CN=\\u{1b}]0;owned\\u{7}Corp"), "\(list.stdout)")
        #expect(list.stdout.contains("why     pull failed\\u{1b}[2J"), "\(list.stdout)")
    }
}
