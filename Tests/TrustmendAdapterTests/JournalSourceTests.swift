import Foundation
import Testing
import TrustmendCore
import TrustmendSources

/// The journal source against real journal files written by systemd-journal-remote.
@Suite(.enabled(if: JournalWriter.available, "needs systemd-journal-remote"))
struct JournalSourceTests {
    static let units = ["containerd.service", "docker.service", "kubelet.service", "crio.service"]

    /// Reads `count` records from the stream, failing after `limit`.
    static func take(_ count: Int, from stream: AsyncThrowingStream<LogRecord, any Error>, limit: Duration = .seconds(20)) async throws -> [LogRecord] {
        try await read(stream, until: { $0.count == count }, limit: limit)
    }

    /// Records from `stream` until those read so far satisfy `done`, failing after `limit`.
    static func read(
        _ stream: AsyncThrowingStream<LogRecord, any Error>, until done: @escaping @Sendable ([LogRecord]) -> Bool,
        limit: Duration = .seconds(20)
    ) async throws -> [LogRecord] {
        try await withThrowingTaskGroup(of: [LogRecord]?.self) { group in
            group.addTask {
                var records: [LogRecord] = []
                for try await record in stream {
                    records.append(record)
                    if done(records) { return records }
                }
                return records
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return try #require(first, "timed out reading the journal")
        }
    }

    @Test func onlyEngineUnitsRunningAsRootComeThrough() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append([
            .init(message: "one from containerd"),
            .init(message: "forged by a user", unit: "user@1000.service", uid: "1000", identifier: "containerd"),
            .init(message: "logger as root, no unit", unit: nil, uid: "0", identifier: "containerd"),
            .init(message: "foreign unit", unit: "evil.service", uid: "0"),
            .init(message: "engine unit but not root", unit: "docker.service", uid: "1000"),
            .init(message: "two from docker", unit: "docker.service"),
        ])
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let records = try await Self.take(2, from: source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["one from containerd", "two from docker"])
        #expect(records[0].origin == .journal(unit: "containerd.service", uid: 0))
        #expect(records.allSatisfy { $0.position.hasPrefix("s=") })
    }

    /// Issue 16, item 1: dockerd's journald log driver sends every container's output under
    /// `_SYSTEMD_UNIT=docker.service, _UID=0` over the native protocol, with `CONTAINER_*` fields; the
    /// engine's own log comes through its stderr (`_TRANSPORT=stdout`). Only the latter comes through.
    @Test func containerOutputForwardedByAnEngineIsNotRead() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        let line = #"failed to pull image "registry.allowed.example/a:1": Get "https://registry.allowed.example/v2/": x509: certificate signed by unknown authority"#
        let container: [(String, String)] = [
            ("CONTAINER_ID", "0123456789ab"), ("CONTAINER_ID_FULL", String(repeating: "0123456789ab", count: 5) + "0123"),
            ("CONTAINER_NAME", "evil"), ("CONTAINER_TAG", "0123456789ab"), ("SYSLOG_IDENTIFIER", "0123456789ab"),
        ]
        try journal.append([
            .init(message: "container: " + line, unit: "docker.service", transport: "journal", fields: container),
            .init(message: "container on stdout: " + line, unit: "docker.service", transport: "stdout", fields: container),
            .init(message: "container, CONTAINER_NAME only: " + line, unit: "docker.service", transport: "stdout", fields: [("CONTAINER_NAME", "evil")]),
            .init(message: "native protocol, no container fields: " + line, unit: "docker.service", transport: "journal"),
            .init(message: "syslog as root: " + line, unit: "containerd.service", transport: "syslog"),
            .init(message: "no transport: " + line, unit: "containerd.service", transport: nil),
            .init(message: "dockerd: " + line, unit: "docker.service", identifier: "dockerd"),
            .init(message: "containerd: " + line),
        ])
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let records = try await Self.take(2, from: source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["dockerd: " + line, "containerd: " + line])
        #expect(records[0].origin == .journal(unit: "docker.service", uid: 0, transport: "stdout", containerFields: false))
    }

    @Test func resumesAfterTheSavedCursorWithoutRepeating() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append((1...3).map { .init(message: "entry \($0)") })
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let first = try await Self.take(1, from: source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        let resumed = try await Self.take(2, from: source.follow(units: Self.units, after: first[0].position, lookBack: .seconds(600)))
        #expect(first.map(\.message) == ["entry 1"])
        #expect(resumed.map(\.message) == ["entry 2", "entry 3"])
    }

    @Test func lookBackSkipsOldEntriesOnFirstStart() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append([
            .init(message: "an hour ago", realtime: Date() - 3600),
            .init(message: "just now"),
        ])
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        let records = try await Self.take(1, from: source.follow(units: Self.units, after: nil, lookBack: .seconds(600)))
        #expect(records.map(\.message) == ["just now"])
    }

    /// The entries are appended after the reader has handed out everything there was (it has reached the
    /// end), so they can only arrive by following. The time limit turns a missed wake-up into a failure.
    @Test(.timeLimit(.minutes(1))) func followsEntriesAppendedWhileReading() async throws {
        let journal = try JournalWriter()
        defer { journal.remove() }
        try journal.append([.init(message: "before")])
        let source = SystemdJournalSource(location: .directory(journal.directory), passesOver: false)
        var records = source.follow(units: Self.units, after: nil, lookBack: .seconds(600)).makeAsyncIterator()
        var messages = [try await records.next()?.message]
        try journal.append([.init(message: "appended 1")])
        try journal.append([.init(message: "forged", unit: "evil.service"), .init(message: "appended 2", unit: "kubelet.service")])
        messages.append(try await records.next()?.message)
        messages.append(try await records.next()?.message)
        #expect(messages == ["before", "appended 1", "appended 2"])
    }

    @Test func aMissingDirectoryIsAClearError() async throws {
        let source = SystemdJournalSource(location: .files(["/nonexistent/trustmend/x.journal"]))
        await #expect(throws: JournalError.self) {
            _ = try await Self.take(1, from: source.follow(units: Self.units, after: nil, lookBack: .seconds(1)), limit: .seconds(5))
        }
    }
}
