import ArgumentParser
import Glibc
import SystemPackage
import TrustmendCore
import TrustmendSources
import TrustmendStore

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Report every image-pull unknown-authority failure in log text, with the endpoint that failed.",
        discussion: "Reads standard input when no file is named. Exit status 0 whether or not anything is found.")

    @Argument(help: ArgumentHelp("Log files to read.", valueName: "FILE"))
    var files: [String] = []

    @Option(name: .customLong("journal-file"), help: ArgumentHelp(
        "A journal file to read (repeatable), every entry's MESSAGE whoever wrote it; \"line\" is then the entry's number.",
        valueName: "FILE"))
    var journalFiles: [String] = []

    @Flag(name: .long, help: "Print JSON Lines: {\"line\", \"host\", \"port\", \"engine\", …} per detection.")
    var json = false

    func run() throws {
        let scanner = LogScanner()
        var output = OutputBuffer()
        var failed = false
        for path in journalFiles {
            do {
                try JournalFiles.forEachMessage(in: [path]) { message, number in
                    if let detection = scanner.scan(bytes: message, number: number) {
                        output.append(json ? Self.jsonLine(detection, file: path) : Self.plainLine(detection, file: path))
                    }
                }
            } catch {
                StandardError.write("trustmend: \(error)")
                failed = true
            }
        }
        // Standard input only when nothing at all is named.
        let sources = files.isEmpty && journalFiles.isEmpty ? ["-"] : files
        for name in sources {
            let fd = name == "-" ? 0 : open(name, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                StandardError.write("trustmend: cannot read \(name): \(String(cString: strerror(errno)))")
                failed = true
                continue
            }
            defer { if fd != 0 { close(fd) } }
            let label = files.isEmpty ? nil : name
            var warned = false
            do {
                try Self.scan(fd: fd, scanner: scanner) { detection in
                    output.append(json ? Self.jsonLine(detection, file: label) : Self.plainLine(detection, file: label))
                } tooLong: { number in
                    guard !warned else { return }
                    warned = true
                    StandardError.write(
                        "trustmend: \(label ?? "standard input"): line \(number) is longer than \(scanner.maxLineBytes >> 10) KiB: only its first "
                            + "\(scanner.maxLineBytes >> 10) KiB were scanned (said once per input; longer lines after it are cut the same way)")
                }
            } catch {
                StandardError.write("trustmend: cannot read \(name): \(error)")
                failed = true
            }
        }
        output.flush()
        if failed { throw ExitCode(1) }
    }

    /// Reads `fd` in large chunks and scans whole lines; a line cut by a chunk boundary waits for the next
    /// chunk. Memory is bounded whatever the input: a line longer than the scanner reads of any line
    /// (`maxLineBytes`, 64 KiB, as the daemon's log-file source) has its start scanned as the line and the
    /// rest skipped up to its newline; `tooLong` is told its number.
    static func scan(fd: Int32, scanner: LogScanner, emit: (Detection) -> Void, tooLong: (Int) -> Void = { _ in }) throws {
        let chunk = 128 << 10  // the buffer stays in the CPU cache between read and scan (8 MiB chunks: 10 % slower)
        let maxLine = scanner.maxLineBytes
        // At most one unfinished line of `maxLine` bytes is kept before the next chunk is read.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxLine + chunk, alignment: 16)
        defer { buffer.deallocate() }
        let base = buffer.baseAddress!
        var filled = 0
        var line = 1
        var atEnd = false
        var skipping = false  // inside an over-long line whose start was scanned
        func drop(_ count: Int) {
            if filled > count { base.copyMemory(from: base + count, byteCount: filled - count) }
            filled -= count
        }
        func scan(_ count: Int) { line += scanner.scan(buffer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), firstLine: line, emit: emit) }
        while !atEnd {
            let n = read(fd, base + filled, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if n == 0 { atEnd = true }
            filled += n
            if skipping {
                guard let newline = memchr(base, 10, filled) else {
                    filled = 0
                    continue
                }
                drop(UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1)
                skipping = false
            }
            // Whole lines: up to the last newline.
            var cut = filled
            while cut > 0 && buffer[cut - 1] != 10 { cut -= 1 }
            if cut > 0 {
                scan(cut)
                drop(cut)
            }
            if filled > maxLine {
                tooLong(line)
                scan(maxLine)
                filled = 0
                skipping = !atEnd
            } else if atEnd && filled > 0 {
                scan(filled)  // a last line without a newline
            }
        }
    }

    static func plainLine(_ d: Detection, file: String?) -> String {
        let place = (file.map { "\($0):" } ?? "") + "\(d.line):"
        let endpoint: String
        if let e = d.endpoint {
            endpoint = e.authority
        } else if let host = d.host {
            endpoint = "\(EndpointError.quote(host)):\(d.port ?? 443) (not a valid host name)"
        } else {
            endpoint = "(the line names no endpoint)"
        }
        var text = "\(place) \(endpoint) (\(d.engine.rawValue))"
        if let reference = d.reference { text += " image \(EndpointError.quote(reference))" }
        if !d.fixable { text += " — no anchor can fix this (insecure signature algorithm)" }
        return text
    }

    static func jsonLine(_ d: Detection, file: String?) -> String {
        var fields = ["\"line\":\(d.line)"]
        fields.append("\"host\":" + (d.host.map(JSONText.quote) ?? "null"))
        fields.append("\"port\":" + (d.port.map(String.init) ?? "null"))
        fields.append("\"engine\":" + JSONText.quote(d.engine.rawValue))
        fields.append("\"valid\":\(d.endpoint != nil)")
        fields.append("\"fixable\":\(d.fixable)")
        if let reference = d.reference { fields.append("\"reference\":" + JSONText.quote(reference)) }
        if let path = d.path { fields.append("\"path\":" + JSONText.quote(path)) }
        if let file { fields.append("\"file\":" + JSONText.quote(file)) }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
