import Foundation
import Testing
import TrustmendCore
import TrustmendSources
import TrustmendTesting

/// The journal reader's fast path (issue 17, item 6): entries that cannot be a detection are passed over
/// where they lie, and only the position moves past them. Nothing detectable may be lost on the way, and
/// no position handed on may be past an entry whose record was not handed on before it (the daemon saves
/// the positions it is handed, and a crash resumes from the saved one).
@Suite(.enabled(if: JournalWriter.available, "needs systemd-journal-remote"))
struct JournalPassOverTests {
    static let units = ["containerd.service", "docker.service"]
    static func failure(_ host: String) -> String { DaemonProcessTests.failure(5000, host: host) }
    static let noise = #"time="2026-11-25T03:00:00Z" level=info msg="ImageCreate event name:\"docker.io/library/nginx:1.27\"""#

    static func read(
        _ stream: AsyncThrowingStream<LogRecord, any Error>, until done: @escaping @Sendable ([LogRecord]) -> Bool
    ) async throws -> [LogRecord] {
        try await JournalSourceTests.read(stream, until: done)
    }

    @Test func onlyWhatMayBeADetectionIsHandedOnThenThePosition() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        let container = [("CONTAINER_ID", "0123456789ab"), ("CONTAINER_NAME", "app")]
        try journal.append([
            .init(message: Self.noise), .init(message: "no needle at all"),
            .init(message: Self.failure("a.example")),
            .init(message: Self.noise, unit: "docker.service"),
            .init(message: Self.failure("container.example"), unit: "docker.service", fields: container),
            .init(message: Self.failure("b.example"), unit: "docker.service"),
            .init(message: Self.noise), .init(message: Self.noise),
        ])
        let source = SystemdJournalSource(location: .directory(journal.directory))
        let records = try await Self.read(source.follow(units: Self.units, after: nil, lookBack: .seconds(600))) { $0.last!.message.isEmpty }
        #expect(records.map(\.message) == [Self.failure("a.example"), Self.failure("b.example"), ""])
        #expect(records[1].origin == .journal(unit: "docker.service", uid: 0))
        #expect(records.allSatisfy { $0.position.hasPrefix("s=") })

        // The last position is past the trailing noise: resuming there reads only what comes next.
        try journal.append([.init(message: Self.failure("c.example"))])
        let resumed = try await Self.read(source.follow(units: Self.units, after: records[2].position, lookBack: .seconds(600))) { !$0.last!.message.isEmpty }
        #expect(resumed.map(\.message) == [Self.failure("c.example")])
    }

    /// Random runs of noise, failures and a container's failures, with a position at least every three
    /// entries passed over: the records are the failures in order, and resuming from any record's position
    /// gives exactly the failures handed on after that record, none skipped and none twice.
    @Test(arguments: [UInt64(1), 2, 3])
    func everyPositionResumesRightAfterWhatWasHandedOn(seed: UInt64) async throws {
        var random = SplitMix(seed: seed)
        let journal = try JournalWriter()
        defer { journal.remove() }
        var entries: [JournalWriter.Entry] = []
        var failures: [String] = []
        for i in 0..<80 {
            switch random.next() % 6 {
            case 0:
                failures.append(Self.failure("h\(i).example"))
                entries.append(.init(message: failures.last!))
            case 1: entries.append(.init(message: Self.failure("c\(i).example"), fields: [("CONTAINER_ID", "0123456789ab")]))
            default: entries.append(.init(message: Self.noise + " \(i)"))
            }
        }
        failures.append(Self.failure("end.example"))
        entries += [.init(message: failures.last!), .init(message: Self.noise), .init(message: Self.noise)]
        try journal.append(entries)
        let source = SystemdJournalSource(location: .directory(journal.directory), positionEvery: 3)
        // Up to the end: the position after the trailing noise, which follows the last failure.
        let end = failures.last!
        let records = try await Self.read(source.follow(units: Self.units, after: nil, lookBack: .seconds(600))) {
            $0.last!.message.isEmpty && $0.contains { $0.message == end }
        }
        #expect(records.filter { !$0.message.isEmpty }.map(\.message) == failures)
        #expect(records.filter(\.message.isEmpty).count >= 3, "positions were handed on between the failures too")

        try journal.append([.init(message: Self.failure("after.example"))])
        for (i, record) in records.enumerated() {
            let expected = records[(i + 1)...].filter { !$0.message.isEmpty }.map(\.message).first ?? Self.failure("after.example")
            let resumed = try await Self.read(source.follow(units: Self.units, after: record.position, lookBack: .seconds(600))) { !$0.last!.message.isEmpty }
            #expect(resumed.last?.message == expected, "seed \(seed): resuming after record \(i)")
        }
    }

    /// Every line of the corpus of real log lines, as an engine's entries: what the scanner detects in the
    /// records handed on is what it detects in all the lines. The fast path drops no detection.
    @Test func theCorpusLosesNoDetectionOnTheFastPath() async throws {
        let corpus = Self.packageRoot.appendingPathComponent("Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl")
        let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").map { raw in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
            return try #require(object["line"] as? String)
        }.filter { !$0.contains("\n") }
        let scanner = LogScanner()
        let detected = lines.filter { scanner.scan(line: Substring($0), number: 0) != nil }
        try #require(detected.count >= 20, "the corpus has its detections")

        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append(lines.map { .init(message: $0) } + [.init(message: Self.failure("end.example")), .init(message: Self.noise)])
        let source = SystemdJournalSource(location: .directory(journal.directory))
        let end = Self.failure("end.example")
        let records = try await Self.read(source.follow(units: Self.units, after: nil, lookBack: .seconds(600))) {
            $0.last!.message.isEmpty && $0.contains { $0.message == end }
        }
        let handedOn = Array(records.map(\.message).filter { !$0.isEmpty }.dropLast())
        #expect(handedOn.filter { scanner.scan(line: Substring($0), number: 0) != nil } == detected)
        #expect(handedOn.count < lines.count, "lines without the needle were passed over")
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
