import Glibc

/// Finds image-pull failures with an unknown-authority certificate in log text, and the endpoint whose
/// certificate failed.
///
/// A line counts when it carries Go's `x509: certificate signed by unknown authority` for registry
/// traffic: a distribution API request (`/v2/…`, the legacy `/v1/_ping` and `/v1/repositories/…`), or
/// a token or blob (CDN) request made while pulling. The endpoint is the host of the innermost request
/// before the x509 text, so a failing token server or CDN is named rather than the registry. The same
/// text from webhooks, API-server clients or update checkers is not a pull failure.
///
/// When that URL names no valid host (cut to an ellipsis, or missing), the endpoint is looked for in
/// this order of trust: a URL Go's path cleaning left with one slash (`https:/host`), containerd's
/// logfmt `host` field, the image reference's registry (`EndpointFallback` says when the last two may be
/// used); `Detection.endpointFrom` says which. None of them makes a line a detection that was not one.
///
/// Lines are hostile input: nothing here can crash or run long on them (the work is linear in the
/// line, lines are cut at `maxLineBytes`).
public struct LogScanner: Sendable {
    public static let needle = "unknown authority"
    static let needleBytes = Array(needle.utf8)
    static let x509Text = Array("x509: certificate signed by unknown authority".utf8)
    public var maxLineBytes: Int

    public init(maxLineBytes: Int = 65536) {
        self.maxLineBytes = maxLineBytes
    }

    /// The detection for one line of text, or nil when the line is not an image-pull trust failure.
    /// Most lines the daemon sees (every line its engine units log) lack the needle: they are dismissed
    /// in place, without a copy.
    public func scan(line text: Substring, number: Int) -> Detection? {
        var text = text
        return text.withUTF8 { bytes in
            scan(bytes: bytes, number: number)
        }
    }

    /// The same for raw bytes of one line (no newline).
    public func scan(bytes raw: UnsafeBufferPointer<UInt8>, number: Int) -> Detection? {
        guard Self.mayDetect(raw) else { return nil }
        return parse(raw, number: number)
    }

    /// Whether any scan could detect something in these bytes: false when the needle is not among them,
    /// as in nearly every line an engine logs. The journal reader asks it of each entry's MESSAGE where
    /// the entry lies, and copies nothing of the entries it is false for: it must stay a superset of
    /// `scan`, which checks it first.
    public static func mayDetect(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = raw.baseAddress else { return false }
        return find(needleBytes, in: base, from: 0, count: raw.count) != nil
    }

    /// One line that holds the needle as it is. The needle must be in the raw bytes, not only after
    /// `normalize` (which drops backslashes and escape sequences): every entry point then finds the same
    /// lines, the bulk scan included (the fuzzer found `authorit\y` detected by one and not the other).
    func parse(_ raw: UnsafeBufferPointer<UInt8>, number: Int) -> Detection? {
        let raw = UnsafeBufferPointer(rebasing: raw.prefix(maxLineBytes))
        // Most lines have nothing to normalise: they are read where they are, not copied.
        guard LogLine.needsNormalizing(raw) else { return parse(normalized: raw, raw: raw, number: number) }
        return LogLine.normalize(raw).withUnsafeBufferPointer { parse(normalized: $0, raw: raw, number: number) }
    }

    private func parse(normalized line: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>, number: Int) -> Detection? {
        guard let x509 = line.byteRange(of: Self.x509Text) else { return nil }
        let before = UnsafeBufferPointer(rebasing: line[..<x509.lowerBound])
        let after = UnsafeBufferPointer(rebasing: line[x509.upperBound...])
        // The URL as it is; one cut to an ellipsis with no path left says nothing. Only without one, a URL
        // Go's path cleaning left with one slash (`https:/host/v2`).
        let url = LogLine.lastURL(in: before).flatMap { $0.elided && $0.path.isEmpty ? nil : $0 }
        let repaired = url == nil ? LogLine.lastURL(in: before, repaired: true).flatMap { $0.elided && $0.path.isEmpty ? nil : $0 } : nil
        // The cheap rejections first: most lines with the x509 text that are not pull failures (webhooks,
        // API-server clients) fail here, before the engine and the reference are looked for. The pull
        // words are searched for only when the URL alone does not decide. A repaired URL can turn a line
        // down, never let one in that the pull words would not.
        switch url?.traffic {
        case .registry: break
        case .notRegistry: return nil
        case .registryWhilePulling, nil:
            if repaired?.traffic == .notRegistry { return nil }
            guard LogLine.hasPullContext(line) else { return nil }
        }
        if LogLine.isExcluded(line) { return nil }

        let fixable = after.byteRange(of: Self.insecureAlgorithm) == nil
        var detection = Detection(
            line: number, endpoint: nil, engine: LogLine.engine(line), reference: LogLine.reference(line), fixable: fixable)
        let named = url ?? repaired
        if let named {
            let host = String(decoding: before[named.host], as: UTF8.self)
            detection.host = host
            detection.port = named.port
            detection.path = String(decoding: before[named.path], as: UTF8.self)
            if let endpoint = try? Endpoint(host: host, port: named.port) {
                detection.endpoint = endpoint
                detection.endpointFrom = url != nil ? .url : .repairedURL
                return detection
            }
        }
        // A real pull failure whose URL names no endpoint (cut, or none): another part of the line may.
        if let (endpoint, from) = EndpointFallback.find(before: before, raw: raw, url: named, reference: detection.reference) {
            detection.endpoint = endpoint
            detection.endpointFrom = from
            detection.host = endpoint.host
            detection.port = Int(endpoint.port)
        }
        return detection
    }

    static let insecureAlgorithm = Array("insecure algorithm".utf8)
}
