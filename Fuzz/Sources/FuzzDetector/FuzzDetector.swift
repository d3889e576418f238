import FuzzDriver
import TrustmendCore

// Log text as an attacker can write it into the journal. Beyond not crashing:
// - the bulk scanner (what the daemon and `scan` use) finds exactly what the per-line scanner finds, on
//   the same line numbers, and counts the lines;
// - an endpoint is only ever a valid host and port, said how it was found (and nothing said without
//   one), and the certs.d directory named after a detection is one path component (never "/", "." or "..").

@_cdecl("FuzzDetector_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    trustmend_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let scanner = LogScanner(maxLineBytes: 4096)
    var bulk: [Int: Detection] = [:]
    let counted = scanner.scan(buffer: UnsafeRawBufferPointer(input), firstLine: 1) { bulk[$0.line] = $0 }

    var lines: [UnsafeBufferPointer<UInt8>] = []
    var start = 0
    for i in 0..<size where input[i] == 10 {
        lines.append(UnsafeBufferPointer(rebasing: input[start..<i]))
        start = i + 1
    }
    if start < size { lines.append(UnsafeBufferPointer(rebasing: input[start..<size])) }
    precondition(counted == lines.count, "bulk scan counted \(counted) lines, there are \(lines.count)")

    for (i, line) in lines.enumerated() {
        let single = scanner.scan(line: Substring(decoding: line, as: UTF8.self), number: i + 1)
        let raw = scanner.scan(bytes: line, number: i + 1)
        // The Substring path decodes (invalid UTF-8 becomes U+FFFD); the byte paths must agree exactly.
        precondition(bulk[i + 1] == raw, "line \(i + 1): bulk \(String(describing: bulk[i + 1])) vs per line \(String(describing: raw))")
        for detection in [single, raw].compactMap({ $0 }) { check(detection) }
    }
    return 0
}

func check(_ detection: Detection) {
    precondition((detection.endpoint == nil) == (detection.endpointFrom == nil), "endpoint \(String(describing: detection.endpoint)) from \(String(describing: detection.endpointFrom))")
    if let endpoint = detection.endpoint {
        let again = try? Endpoint(host: endpoint.host, port: Int(endpoint.port))
        precondition(again == endpoint, "endpoint \(endpoint) does not validate again")
    }
    if case .success(let registry) = RegistryHost.of(detection) {
        let name = registry.directoryName
        precondition(!name.isEmpty && !name.contains("/") && name != "." && name != "..", "directory name \(name)")
        precondition(!name.utf8.contains { $0 < 0x20 || $0 == 0x7f }, "control byte in directory name \(name)")
    }
}
