import Foundation
import Synchronization
import Testing
import TrustmendCore
import TrustmendSources

@Suite(.enabled(if: getuid() == 0, "the ownership check needs root-owned files"))
struct TailFileSourceTests {
    let directory = NSTemporaryDirectory() + "trustmend-tail-" + UUID().uuidString
    var path: String { directory + "/kubelet.log" }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func append(_ text: String, to file: String? = nil) throws {
        let target = file ?? path
        if !FileManager.default.fileExists(atPath: target) {
            FileManager.default.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o644])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func take(_ count: Int, _ stream: AsyncThrowingStream<LogRecord, any Error>, while act: @escaping @Sendable () async throws -> Void = {}) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                var lines: [String] = []
                for try await record in stream {
                    lines.append(record.message)
                    if lines.count == count { break }
                }
                return lines
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(200))
                try await act()
                try await Task.sleep(for: .seconds(15))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return try #require(first, "timed out")
        }
    }

    @Test func firstSightReadsOnlyNewLinesThenResumesFromTheSavedOffset() async throws {
        try append("old failure\n")
        let source = TailFileSource(warn: { _ in })
        let got = try await take(1, source.follow(paths: [path], positions: [:])) { try append("new 1\n") }
        #expect(got == ["new 1"])

        // A restart resumes after the saved position: nothing read twice, nothing missed.
        var st = stat()
        stat(path, &st)
        let afterOld = FilePosition(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), offset: UInt64("old failure\n".utf8.count))
        try append("new 2\n")
        let resumed = try await take(2, source.follow(paths: [path], positions: [path: afterOld]))
        #expect(resumed == ["new 1", "new 2"])
    }

    @Test func rotationByRenameFinishesTheOldFileThenReadsTheNewOne() async throws {
        try append("")
        let source = TailFileSource(warn: { _ in })
        let path = self.path
        let got = try await take(3, source.follow(paths: [path], positions: [:])) {
            try append("a\n")
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try append("b\n", to: path + ".1")
            try append("c\n")
        }
        #expect(got == ["a", "b", "c"])
    }

    /// The file is truncated only after its line was handed out (no sleep decides the order). The reader
    /// starts from a saved offset 0, so when it opens the file does not matter.
    @Test(.timeLimit(.minutes(1))) func copyTruncateStartsOver() async throws {
        try append("")
        var st = stat()
        stat(path, &st)
        let start = FilePosition(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), offset: 0)
        let source = TailFileSource(warn: { _ in })
        var lines = source.follow(paths: [path], positions: [path: start]).makeAsyncIterator()
        try append("before truncate, a long line\n")
        var got = [try await lines.next()?.message]
        truncate(path, 0)
        try append("d\n")
        got.append(try await lines.next()?.message)
        #expect(got == ["before truncate, a long line", "d"])
    }

    @Test func aFileThatAppearsLaterIsReadFromItsStart() async throws {
        let source = TailFileSource(warn: { _ in })
        let got = try await take(2, source.follow(paths: [path], positions: [:])) { try append("e1\ne2\n") }
        #expect(got == ["e1", "e2"])
    }

    @Test(arguments: [(0o666, 0), (0o644, 1000)])
    func filesOthersCanWriteAreRefusedWithAWarning(mode: Int, owner: Int) async throws {
        try append("")
        try FileManager.default.setAttributes([.posixPermissions: mode, .ownerAccountID: owner], ofItemAtPath: path)
        let warnings = Mutex<[String]>([])
        let source = TailFileSource(warn: { text in warnings.withLock { $0.append(text) } })
        let stream = source.follow(paths: [path], positions: [:])
        // The only way out is the CancellationError after 2 s: had the forged line been handed out, the
        // reading task would have returned normally and nothing would be thrown.
        await #expect(throws: CancellationError.self) {
            _ = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for try await _ in stream { return } }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(200))
                    try append("forged x509 line\n")
                    try await Task.sleep(for: .seconds(2))
                    throw CancellationError()
                }
                try await group.next()
                group.cancelAll()
            }
        }
        #expect(warnings.withLock { $0.count } == 1)
        #expect(warnings.withLock { $0.first?.contains("owned by root") } == true)
    }
}
