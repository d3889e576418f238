import Foundation
import Testing
@testable import TrustmendCore

/// Every line of the corpus of real log lines: hosts and ports exact, nothing on `null` lines.
@Suite struct CorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var index: Int
        var line: String
        var tool: String
        /// nil: no detection. Some(nil, nil): a detection without endpoint.
        var expect: (host: String?, port: Int?)?
        var testDescription: String { "\(index): \(tool)" }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func load(_ path: String) -> [Case] {
        guard let text = try? String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").enumerated().compactMap { index, raw in
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] else { return nil }
            let expect: (String?, Int?)?
            if let e = object["expect"] as? [String: Any] {
                expect = (e["host"] as? String, e["port"] as? Int)
            } else {
                expect = nil
            }
            return Case(index: index + 1, line: object["line"] as! String, tool: object["tool"] as? String ?? "", expect: expect)
        }
    }

    /// The copy in the repository, and the shared one beside it when present (it may be newer).
    static let cases: [Case] = load(packageRoot.appendingPathComponent("Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl").path)
        + load(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/x509-pull-errors.jsonl").path)

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 51)
    }

    @Test(arguments: cases)
    func everyLine(_ c: Case) {
        let detection = LogScanner().scan(line: Substring(c.line), number: 1)
        guard let expect = c.expect else {
            #expect(detection == nil, "line \(c.index) must not be detected: \(c.line)")
            return
        }
        guard let detection else {
            Issue.record("line \(c.index) must be detected: \(c.line)")
            return
        }
        #expect(detection.host == expect.host, "line \(c.index)")
        #expect(detection.port == expect.port, "line \(c.index)")
    }

    @Test func bulkScanAgreesWithPerLineScanAndCountsLines() {
        let lines = Self.cases.map(\.line)
        let text = lines.joined(separator: "\n")
        var found: [Int: Detection] = [:]
        let count = Array(text.utf8).withUnsafeBytes { buffer in
            LogScanner().scan(buffer: buffer, firstLine: 1) { found[$0.line] = $0 }
        }
        #expect(count == lines.count)
        for (i, line) in lines.enumerated() {
            let single = LogScanner().scan(line: Substring(line), number: i + 1)
            #expect(found[i + 1] == single, "line \(i + 1)")
        }
    }
}

/// Inputs the fuzzer (Tests/scripts/fuzz.sh) found, kept as tests.
@Suite struct FuzzFindingsTests {
    /// FuzzDetector: `authorit\\y` became `authority` after normalization, so the per-line byte scan
    /// detected a line the bulk scan (and the daemon's line scan) never looked at. Every entry point now
    /// needs the needle as it is in the raw line.
    @Test(arguments: [
        #"Error sgePull: "rpc error: code = 2 desc = Error response from daemping: x509: certificate signed by unknown authorit\y"}""#,
        "failed to pull image \"r.example/a:1\": Get \"https://r.example/v2/\": x509: certificate signed by unknown \u{1b}[0mauthority",
    ])
    func theNeedleMustBeInTheRawLine(line: String) {
        let control = #"failed to pull image "r.example/a:1": Get "https://r.example/v2/": x509: certificate signed by unknown authority"#
        for (text, found) in [(line, false), (control, true)] {
            let scanner = LogScanner()
            var bulk: [Detection] = []
            let lines = Array(text.utf8).withUnsafeBytes { scanner.scan(buffer: $0, firstLine: 1) { bulk.append($0) } }
            let bytes = Array(text.utf8).withUnsafeBufferPointer { scanner.scan(bytes: $0, number: 1) }
            #expect(lines == 1)
            #expect((scanner.scan(line: Substring(text), number: 1) != nil) == found, "\(text)")
            #expect((bytes != nil) == found, "\(text)")
            #expect(bulk.count == (found ? 1 : 0), "\(text)")
        }
    }
}

@Suite struct PullContextTests {
    /// The one-pass search finds a pull word exactly where one search per word does: every corpus line,
    /// each pull word alone, at the start, the end and cut short, and random text over their letters.
    @Test func theOnePassSearchAgreesWithTheDefinition() {
        var lines = CorpusTests.cases.map { Array($0.line.utf8) }
        for word in LogLine.pullWords {
            lines += [word, word + Array(" tail".utf8), Array("head ".utf8) + word, Array(word.dropLast()), []]
        }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("pulPULfaiedtorsvmnIgEcy 2".utf8)
        for _ in 0..<5000 {
            lines.append((0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        for line in lines {
            let definition = LogLine.pullWords.contains { line.byteRange(of: $0) != nil }
            #expect(LogLine.hasPullContext(line) == definition, "\(String(decoding: line, as: UTF8.self))")
        }
    }
}

@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("unknown authority", "unknown authority", 0),
        ("xx unknown authority", "unknown authority", 3),
        ("unknown authorit", "unknown authority", nil),
        ("uuunknown authority!", "unknown authority", 2),
        ("aaab", "aab", 1),
        ("", "a", nil),
    ] as [(String, String, Int?)])
    func findsTheFirstOccurrence(hay: String, needle: String, at: Int?) {
        let bytes = Array(hay.utf8)
        #expect(bytes.byteRange(of: Array(needle.utf8))?.lowerBound == at)
        // In a slice, indices are the array's.
        let slice = (Array("--".utf8) + bytes)[2...]
        #expect(slice.byteRange(of: Array(needle.utf8))?.lowerBound == at.map { $0 + 2 })
    }
}
