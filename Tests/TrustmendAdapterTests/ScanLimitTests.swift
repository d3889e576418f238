import Foundation
import Testing

/// `scan` holds at most one line's worth of a line it is reading (issue 16, item 17): its buffer grew to
/// the longest line of the input, so a line without end (a 128 MiB one here) took that much memory.
@Suite struct ScanLimitTests {
    static let detectable = #"E1125 kubelet[1]: "Failed to pull image" err="failed to pull and unpack image \"reg.example:5000/a:1\": failed to do request: Head \"https://reg.example:5000/v2/a/manifests/1\": tls: failed to verify certificate: x509: certificate signed by unknown authority""#

    /// The peak resident memory of a running process, in KiB.
    static func peak(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }

    @Test func anEndlessLineIsCutAndSaidOnce() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["scan", "--json"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let piece = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        let writer = input.fileHandleForWriting
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // Line 1: 128 MiB without a newline; line 2 a failure; line 3 another endless one; line 4 a failure.
            try? {
                for _ in 0..<128 { try writer.write(contentsOf: piece) }
                try writer.write(contentsOf: Data(("\n" + Self.detectable + "\n").utf8))
                for _ in 0..<8 { try writer.write(contentsOf: piece) }
                try writer.write(contentsOf: Data(("\n" + Self.detectable + "\n").utf8))
            }()
            written.signal()
        }
        guard written.wait(timeout: .now() + .seconds(60)) == .success else {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("scan did not read 137 MiB of input within 60 s")
            return
        }
        // Everything but the pipe's 64 KiB has been read by now: the process still runs, waiting for more.
        let peak = try #require(Self.peak(process.processIdentifier))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(peak < 64 << 10, "peak RSS \(peak) KiB while reading a 128 MiB line")
        let lines = out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.map { $0["line"] as? Int } == [2, 4], "\(out)")
        #expect(err == "trustmend: standard input: line 1 is longer than 64 KiB: only its first 64 KiB were scanned (said once per input; longer lines after it are cut the same way)\n", "\(err)")
    }

    /// Lines that fit are scanned as before, across chunk boundaries, the last one without a newline too.
    @Test func ordinaryInputIsUnchanged() throws {
        let filler = String(repeating: "noise line\n", count: 30_000)  // more than one 128 KiB chunk
        let r = try CommandLineTests.run(["scan", "--json"], stdin: filler + Self.detectable + "\n" + filler + Self.detectable)
        let lines = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.map { $0["line"] as? Int } == [30_001, 60_002], "\(r.stdout)")
        #expect(r.stderr.isEmpty)
    }
}
