import Testing
@testable import TrustmendCore
import TrustmendTesting

/// `LogScanner.mayDetect` is what the journal reader asks of every entry before it copies anything
/// (issue 17, item 6): an entry it says no to is never scanned. It must say yes to every line the scanner
/// detects something in: every corpus line, and thousands of mutations of them.
@Suite struct MayDetectTests {
    static func mayDetect(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { LogScanner.mayDetect($0) }
    }

    @Test func everyCorpusDetectionPassesTheFastPath() throws {
        let scanner = LogScanner()
        let detected = try CorpusTests.cases().filter { scanner.scan(line: Substring($0.line), number: 0) != nil }
        #expect(detected.count >= 20)
        for c in detected {
            #expect(Self.mayDetect(c.line), "corpus line \(c.index) (\(c.tool)) would be passed over")
        }
    }

    /// Mutations the normaliser and the URL parser care about: bytes deleted, escapes and quotes inserted,
    /// pieces of the x509 text repeated, the line cut. Whatever the scanner detects in one, the fast path
    /// hands on.
    @Test(arguments: [UInt64(7), 8, 9])
    func mutatedLinesTheScannerDetectsPassTheFastPath(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let scanner = LogScanner()
        let pieces = Array("\\\"\u{1b}[0m\\x1b\\u001b /v2/ https:// unknown authority authorit\\y x509: ".utf8)
        var detections = 0
        for c in try CorpusTests.cases() {
            for _ in 0..<60 {
                var bytes = Array(c.line.utf8)
                for _ in 0..<(1 + Int(random.next() % 4)) where !bytes.isEmpty {
                    let at = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 4 {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(pieces[Int(random.next() % UInt64(pieces.count))], at: at)
                    case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int(random.next() % 24))], at: at)
                    default: bytes.removeSubrange(at...)
                    }
                }
                let line = String(decoding: bytes, as: UTF8.self)
                guard scanner.scan(line: Substring(line), number: 0) != nil else { continue }
                detections += 1
                #expect(Self.mayDetect(line), "seed \(seed), from corpus line \(c.index): \(line)")
            }
        }
        #expect(detections > 1000, "the mutations keep many detections")
    }

    @Test func ordinaryEngineLinesAreDismissed() {
        #expect(!Self.mayDetect(#"time="2026-11-25T03:00:00Z" level=info msg="shim disconnected" id=0123456789abcdef namespace=k8s.io"#))
        #expect(!Self.mayDetect("x509: certificate signed by unknown authorit"))
        #expect(!Self.mayDetect(""))
        #expect(Self.mayDetect("… signed by unknown authority"))
    }
}
