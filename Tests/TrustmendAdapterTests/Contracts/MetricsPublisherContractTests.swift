import Foundation
import Testing
import TrustmendCore
import TrustmendStore
import TrustmendTesting

/// `FakeMetricsPublisher` held to `TextfileMetricsPublisher` on a temporary root.
@Suite struct MetricsPublisherContractTests {
    /// A publisher, how to make a directory of the node, and what `trustmend.prom` in one holds.
    struct Subject: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable () throws -> (publisher: any MetricsPublisher, makeDirectory: @Sendable (String) throws -> Void, read: @Sendable (String) -> String?)
    }

    static let subjects = [
        Subject(testDescription: "FakeMetricsPublisher") {
            let fake = FakeMetricsPublisher(directories: [])
            return (fake, { fake.makeDirectory($0) }, { fake.file(in: $0) })
        },
        Subject(testDescription: "TextfileMetricsPublisher") {
            let root = NSTemporaryDirectory() + "trustmend-metrics-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            return (
                TextfileMetricsPublisher(root: root),
                { try FileManager.default.createDirectory(atPath: root + $0, withIntermediateDirectories: true) },
                { try? String(contentsOfFile: root + $0 + "/trustmend.prom", encoding: .utf8) }
            )
        },
    ]

    static let directory = "/var/lib/prometheus/node-exporter"

    @Test(arguments: subjects)
    func aFileIsWrittenReplacedAndTakenAway(_ subject: Subject) throws {
        let (publisher, makeDirectory, read) = try subject.make()
        #expect(!publisher.directoryExists(Self.directory))
        #expect(throws: (any Error).self, "no directory, no file") { try publisher.publish("a 1\n", in: Self.directory) }
        try makeDirectory(Self.directory)
        #expect(publisher.directoryExists(Self.directory))
        #expect(read(Self.directory) == nil)
        try publisher.publish("a 1\n", in: Self.directory)
        #expect(read(Self.directory) == "a 1\n")
        try publisher.publish("a 2\n", in: Self.directory)
        #expect(read(Self.directory) == "a 2\n", "a write replaces the whole file")
        try publisher.withdraw(from: Self.directory)
        #expect(read(Self.directory) == nil)
        try publisher.withdraw(from: Self.directory)  // nothing there: not an error
    }

    /// The real file: mode 0644 whatever the umask, nothing else left in the directory (the collector
    /// would read a stray `*.prom`), and a planted link is replaced, not followed.
    @Test func theRealFileIsReadableByTheExporterAndAlone() throws {
        let root = NSTemporaryDirectory() + "trustmend-metrics-" + UUID().uuidString
        let directory = root + Self.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let elsewhere = root + "/elsewhere"
        _ = FileManager.default.createFile(atPath: elsewhere, contents: Data("kept\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: directory + "/trustmend.prom", withDestinationPath: elsewhere)
        let old = umask(0o077)
        defer { umask(old) }
        try TextfileMetricsPublisher(root: root).publish("a 1\n", in: Self.directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/trustmend.prom")
        #expect(attributes[.posixPermissions] as? Int == 0o644)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "kept\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["trustmend.prom"])
    }
}
