import Foundation
import Testing
@testable import TrustmendCore

/// Every line of the corpus of real log lines: hosts and ports exact, nothing on `null` lines. The
/// repository's copy may also say how the endpoint is found (`"from"` in `expect`: an `EndpointSource`
/// raw value, or `null` when the line must yield no endpoint, whatever host text it holds).
@Suite struct CorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var index: Int
        var line: String
        var tool: String
        /// nil: no detection. Some(nil, nil): a detection without endpoint.
        var expect: (host: String?, port: Int?)?
        /// nil: not said. Some(nil): no endpoint. Some(source): found that way.
        var from: EndpointSource??
        var testDescription: String { "\(index): \(tool)" }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The copy in the repository: it must be there.
    static let fixture = packageRoot.appendingPathComponent("Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl")
    /// The shared one beside the checkout, when present (it may be newer).
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/x509-pull-errors.jsonl")

    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// Every line of the file as a case: a file that cannot be read, or a line that is not an object with a
    /// string `line`, is an error, never fewer cases.
    static func load(_ url: URL) throws -> [Case] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw Unreadable(description: "cannot read the corpus \(url.path): \(error)")
        }
        return try text.split(separator: "\n").enumerated().map { index, raw in
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any],
                let line = object["line"] as? String
            else { throw Unreadable(description: "\(url.path):\(index + 1): not a JSON object with a string \"line\"") }
            let expect: (String?, Int?)?
            var from: EndpointSource?? = nil
            if let e = object["expect"] as? [String: Any] {
                expect = (e["host"] as? String, e["port"] as? Int)
                if let said = e["from"] {
                    if said is NSNull {
                        from = .some(nil)
                    } else if let name = said as? String, let source = EndpointSource(rawValue: name) {
                        from = .some(source)
                    } else {
                        throw Unreadable(description: "\(url.path):\(index + 1): \"from\" is not null or one of \(EndpointSource.allCases.map(\.rawValue))")
                    }
                }
            } else {
                expect = nil
            }
            return Case(index: index + 1, line: line, tool: object["tool"] as? String ?? "", expect: expect, from: from)
        }
    }

    /// The repository's copy, and the shared one when it is there; read once.
    static let loaded = Result { () throws -> [Case] in
        try load(fixture) + (FileManager.default.fileExists(atPath: shared.path) ? try load(shared) : [])
    }
    static func cases() throws -> [Case] { try loaded.get() }

    @Test func theCorpusIsThere() throws {
        #expect(try Self.load(Self.fixture).count >= 51)
        #expect(try Self.cases().count >= 51)
    }

    /// An unreadable corpus fails this test (its arguments throw), not runs it zero times.
    @Test(arguments: try cases())
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
        #expect((detection.endpoint == nil) == (detection.endpointFrom == nil), "line \(c.index)")
        if case .some(let from) = c.from {
            #expect(detection.endpointFrom == from, "line \(c.index): found by \(String(describing: detection.endpointFrom))")
            if from == nil { #expect(detection.endpoint == nil, "line \(c.index) must yield no endpoint") }
        }
    }

    /// The shapes the endpoint fallbacks read are all in the repository's copy, each with its source.
    @Test func everyWayOfFindingTheEndpointIsInTheCorpus() throws {
        let said = try Self.load(Self.fixture).compactMap { $0.from ?? nil }
        // `.trace` is the daemon's (a trace found the host), never the scanner's.
        for source in EndpointSource.allCases where source != .trace { #expect(said.contains(source), "no corpus line is found by \(source)") }
        #expect(try Self.load(Self.fixture).filter { $0.from == .some(nil) }.count >= 10, "the near misses that must yield no endpoint")
    }

    @Test func bulkScanAgreesWithPerLineScanAndCountsLines() throws {
        let lines = try Self.cases().map(\.line)
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
    @Test func theOnePassSearchAgreesWithTheDefinition() throws {
        var lines = try CorpusTests.cases().map { Array($0.line.utf8) }
        for word in LogLine.pullWords {
            lines += [word, word + Array(" tail".utf8), Array("head ".utf8) + word, Array(word.dropLast()), []]
        }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array(Set(LogLine.pullWords.joined()))
        for _ in 0..<5000 {
            lines.append((0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        for line in lines {
            let definition = LogLine.pullWords.contains { line.byteRange(of: $0) != nil }
            #expect(line.withUnsafeBufferPointer { LogLine.hasPullContext($0) } == definition, "\(String(decoding: line, as: UTF8.self))")
        }
    }

    /// The eight-bytes-at-a-time test says a line needs normalising exactly when a byte below 0x20 or a
    /// backslash is in it, wherever it is (UTF-8 bytes above 0x7f included).
    @Test func theWordAtATimeTestAgreesWithTheDefinition() {
        var random = SystemRandomNumberGenerator()
        let ordinary = Array(" azAZ09\"/:".utf8) + [0x7f, 0x80, 0xc3, 0xa9, 0xff]
        for length in 0...40 {
            for _ in 0..<200 {
                var line = (0..<length).map { _ in ordinary.randomElement(using: &random)! }
                if length > 0, Bool.random(using: &random) {
                    line[Int.random(in: 0..<length, using: &random)] = [0, 0x09, 0x1b, 0x1f, UInt8(ascii: "\\")].randomElement(using: &random)!
                }
                let definition = line.contains { $0 < 0x20 || $0 == UInt8(ascii: "\\") }
                #expect(line.withUnsafeBufferPointer { LogLine.needsNormalizing($0) } == definition, "\(line)")
            }
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

    /// The block-at-a-time searches agree with the plain definitions at every length around their block
    /// sizes and wherever the match is: the needle search (sixteen lanes), the newline count (byte lanes
    /// summed every 255 blocks, so a buffer of newlines only is counted too) and the line start (eight
    /// bytes backwards).
    @Test func blockSearchesAgreeWithTheDefinitions() {
        var random = SystemRandomNumberGenerator()
        let needle = Array("unknown authority".utf8)
        var buffers: [[UInt8]] = [[UInt8](repeating: 10, count: 16 * 255 * 2 + 7), [UInt8](repeating: UInt8(ascii: "u"), count: 100)]
        for length in 0...80 {
            for _ in 0..<30 {
                var bytes = (0..<length).map { _ in Array("uy \n".utf8).randomElement(using: &random)! }
                if length >= needle.count, Bool.random(using: &random) {
                    let at = Int.random(in: 0...(length - needle.count), using: &random)
                    bytes.replaceSubrange(at..<(at + needle.count), with: needle)
                }
                buffers.append(bytes)
            }
        }
        for bytes in buffers {
            bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress ?? UnsafePointer([0])
                for from in Set([0, 1, bytes.count / 2]) where from <= bytes.count {
                    let expected = (from..<max(from, bytes.count - needle.count + 1)).first { bytes[$0...].starts(with: needle) }
                    #expect(LogScanner.find(needle, in: base, from: from, count: bytes.count) == expected, "\(bytes) from \(from)")
                }
                #expect(LogScanner.countNewlines(base, bytes.count) == bytes.filter { $0 == 10 }.count, "\(bytes)")
                for position in Set([0, bytes.count / 3, bytes.count]) {
                    let expected = bytes[..<position].lastIndex(of: 10).map { $0 + 1 } ?? 0
                    #expect(LogScanner.lineStart(base, before: position) == expected, "\(bytes) at \(position)")
                }
            }
        }
    }
}
