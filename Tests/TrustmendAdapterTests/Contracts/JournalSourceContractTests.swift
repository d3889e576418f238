import Foundation
import Testing
import TrustmendCore
import TrustmendSources
import TrustmendTesting

/// `FakeJournalSource` held to `SystemdJournalSource` over journal files written by
/// systemd-journal-remote: the same entries, the same records.
@Suite struct JournalSourceContractTests {
    /// A journal to append to, and the source that reads it.
    struct Journal: @unchecked Sendable {
        // @unchecked: `keep` only holds the journal directory's writer; each test uses its own.
        var source: any JournalSource
        var append: ([FakeJournalSource.Entry]) throws -> Void
        var keep: Any?
    }

    struct Subject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () throws -> Journal
    }

    static var subjects: [Subject] {
        let fake = Subject(testDescription: "FakeJournalSource") {
            let journal = FakeJournalSource()
            return Journal(source: journal, append: { journal.append($0) })
        }
        // Which entries come through, every one of them: the real reader's passing over entries that cannot
        // be a detection is its own (JournalPassOverTests), so it is off here.
        let real = Subject(testDescription: "SystemdJournalSource") {
            let writer = try JournalWriter()
            return Journal(
                source: SystemdJournalSource(location: .directory(writer.directory), passesOver: false),
                append: { entries in
                    try writer.append(entries.map {
                        JournalWriter.Entry(
                            message: $0.message, unit: $0.unit, uid: $0.uid.map(String.init), realtime: $0.realtime, transport: $0.transport,
                            fields: $0.containerFields ? [("CONTAINER_ID", "0123456789ab"), ("CONTAINER_NAME", "app")] : [])
                    })
                }, keep: writer)
        }
        // The real source reads files that systemd-journal-remote writes (installed wherever test.sh runs).
        return [fake] + (JournalWriter.available ? [real] : [])
    }

    static let units = ["containerd.service", "docker.service", "kubelet.service", "crio.service"]

    @Test(arguments: subjects)
    func onlyEngineUnitsRunningAsRootComeThroughInOrder(_ subject: Subject) async throws {
        let journal = try subject.make()
        try journal.append([
            .init(message: "one from containerd"),
            .init(message: "forged by a user", unit: "user@1000.service", uid: 1000),
            .init(message: "logger as root, no unit", unit: nil, uid: 0),
            .init(message: "foreign unit", unit: "evil.service", uid: 0),
            .init(message: "engine unit but not root", unit: "docker.service", uid: 1000),
            .init(message: "two from docker", unit: "docker.service"),
        ])
        let records = try await JournalSourceTests.take(2, from: journal.source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["one from containerd", "two from docker"])
        #expect(records.map(\.origin) == [.journal(unit: "containerd.service", uid: 0), .journal(unit: "docker.service", uid: 0)])
        #expect(records.allSatisfy { $0.loggedAt != nil && !$0.position.isEmpty })
    }

    /// Issue 16, item 1: only an engine's own stderr (`_TRANSPORT=stdout`) without `CONTAINER_*` fields.
    @Test(arguments: subjects)
    func containersOutputForwardedByAnEngineIsSkipped(_ subject: Subject) async throws {
        let journal = try subject.make()
        try journal.append([
            .init(message: "container via the log driver", unit: "docker.service", transport: "journal", containerFields: true),
            .init(message: "container fields on stdout", unit: "docker.service", containerFields: true),
            .init(message: "native protocol as root", unit: "docker.service", transport: "journal"),
            .init(message: "syslog as root", transport: "syslog"),
            .init(message: "dockerd's own", unit: "docker.service"),
        ])
        let records = try await JournalSourceTests.take(1, from: journal.source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["dockerd's own"])
        #expect(records.map(\.origin) == [.journal(unit: "docker.service", uid: 0, transport: "stdout", containerFields: false)])
    }

    @Test(arguments: subjects)
    func resumesAfterTheSavedCursorAndFollowsNewEntries(_ subject: Subject) async throws {
        let journal = try subject.make()
        try journal.append((1...3).map { .init(message: "entry \($0)") })
        let first = try await JournalSourceTests.take(1, from: journal.source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(first.map(\.message) == ["entry 1"])
        let stream = journal.source.follow(units: Self.units, after: first[0].position, lookBack: .seconds(600))
        let resumed = Task { try await JournalSourceTests.take(3, from: stream) }
        try await Task.sleep(for: .milliseconds(200))
        try journal.append([.init(message: "entry 4")])
        #expect(try await resumed.value.map(\.message) == ["entry 2", "entry 3", "entry 4"])
    }

    @Test(arguments: subjects)
    func withoutACursorOnlyTheLookBackIsRead(_ subject: Subject) async throws {
        let journal = try subject.make()
        try journal.append([
            .init(message: "an hour ago", realtime: Date().addingTimeInterval(-3600)),
            .init(message: "just now"),
        ])
        let records = try await JournalSourceTests.take(1, from: journal.source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["just now"])
    }
}
