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
        guard let base = raw.baseAddress, Self.find(Self.needleBytes, in: base, from: 0, count: raw.count) != nil else { return nil }
        return parse(raw, number: number)
    }

    /// One line that holds the needle as it is. The needle must be in the raw bytes, not only after
    /// `normalize` (which drops backslashes and escape sequences): every entry point then finds the same
    /// lines, the bulk scan included (the fuzzer found `authorit\y` detected by one and not the other).
    func parse(_ raw: UnsafeBufferPointer<UInt8>, number: Int) -> Detection? {
        let line = LogLine.normalize(UnsafeBufferPointer(rebasing: raw.prefix(maxLineBytes)))
        guard let x509 = line.byteRange(of: Self.x509Text) else { return nil }
        let before = line[..<x509.lowerBound]
        let after = line[x509.upperBound...]
        // The cheap rejections first: most lines with the x509 text that are not pull failures (webhooks,
        // API-server clients) fail here, before the engine and the reference are looked for.
        let pulling = LogLine.hasPullContext(line)
        let url = LogLine.lastURL(in: before)
        if let url { guard url.isRegistryTraffic(pulling: pulling) else { return nil } } else if !pulling { return nil }
        if LogLine.isExcluded(line) { return nil }

        let fixable = !(after.byteRange(of: Array("insecure algorithm".utf8)) != nil)
        let engine = LogLine.engine(line)
        let reference = LogLine.reference(line)
        guard let url else {
            // A real pull failure can name no endpoint (a wrapped or cut line): report it without one.
            return Detection(line: number, endpoint: nil, engine: engine, reference: reference, fixable: fixable)
        }
        let endpoint = try? Endpoint(host: url.host, port: url.port)
        return Detection(
            line: number, endpoint: endpoint, engine: engine, reference: reference, path: url.path, fixable: fixable,
            host: url.host, port: url.port)
    }
}

/// A URL found in a log line.
struct LoggedURL {
    var host: String
    var port: Int
    var path: String
    var query: Bool

    func isRegistryTraffic(pulling: Bool) -> Bool {
        if path.hasPrefix("/api/") || path.hasPrefix("/apis/") || path == "/api" || path == "/apis" || path.hasPrefix("/healthz")
            || path.hasPrefix("/livez") || path.hasPrefix("/readyz") || path.hasPrefix("/openapi") || path == "/version"
        {
            return false
        }
        if path == "/v2" || path.hasPrefix("/v2/") { return true }
        if path.hasPrefix("/v1/_ping") || path.hasPrefix("/v1/repositories/") { return true }
        // Token servers and blob CDNs (S3, GCS, Cloudflare) only count while an image is being pulled.
        return pulling && (!path.isEmpty && path != "/")
    }
}

/// Text operations on one log line, as bytes.
enum LogLine {
    /// Removes backslash escapes (logfmt `\"`, klog `\\\"`), ANSI colour sequences and control characters,
    /// so every quoting style reads as plain `"`.
    static func normalize(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        // Most lines have nothing to remove: one copy, not a byte-by-byte rebuild.
        if !raw.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\\") }) { return Array(raw) }
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b == 0x1b {
                // ESC [ ... final byte (0x40–0x7e).
                i += 1
                if i < raw.count, raw[i] == UInt8(ascii: "[") {
                    i += 1
                    while i < raw.count, !(raw[i] >= 0x40 && raw[i] <= 0x7e) { i += 1 }
                }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\\") {
                // `\n`, `\t` inside logfmt values stand for white space.
                if i + 1 < raw.count, raw[i + 1] == UInt8(ascii: "n") || raw[i + 1] == UInt8(ascii: "t") {
                    out.append(32)
                    i += 2
                    continue
                }
                i += 1
                continue
            }
            out.append(b < 0x20 ? 32 : b)
            i += 1
        }
        return out
    }

    static let exclusions: [[UInt8]] = [
        "failed calling webhook", "failed to call webhook", "Unable to connect to the server", "update check",
        "Failed to list", "Failed to watch", "failed to set up watch", "reflector.go",
    ].map { Array($0.utf8) }

    static func isExcluded(_ line: [UInt8]) -> Bool {
        exclusions.contains { line.byteRange(of: $0) != nil }
    }

    static let pullWords: [[UInt8]] = [
        "pull", "Pull", "PULL", "pinging container registry", "pinging docker registry", "failed to do request",
        "failed to resolve", "failed to fetch", "fetch failed", "failed to copy", "image configuration",
        "Error response from daemon", "error pinging", "v2 registry", "V2 registry", "manifest", "ImagePull",
    ].map { Array($0.utf8) }

    /// Whether any pull word occurs in the line, in one pass: at each byte that starts some word, only
    /// the words starting with it are compared (one search per word took 44 % of a scan's time).
    static func hasPullContext(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return false }
            let count = bytes.count
            return pullWordIndex.withUnsafeBufferPointer { index in
                for i in 0..<count {
                    let candidates = index[Int(base[i])]
                    guard candidates.lowerBound < candidates.upperBound else { continue }
                    for w in candidates {
                        let word = pullWordsByFirstByte[w]
                        // Every word is longer than one byte: the second byte rejects most candidates cheaply.
                        guard word.count <= count - i, base[i + 1] == word[1] else { continue }
                        if memcmp(base + i, word, word.count) == 0 { return true }
                    }
                }
                return false
            }
        }
    }

    /// `pullWords` sorted by first byte, and for each byte value the range of words starting with it.
    static let pullWordsByFirstByte: [[UInt8]] = pullWords.sorted { $0[0] < $1[0] }
    static let pullWordIndex: [Range<Int>] = {
        precondition(pullWords.allSatisfy { $0.count >= 2 }, "hasPullContext compares a word's second byte first")
        return (0..<256).map { byte in
            let words = pullWordsByFirstByte.indices.filter { Int(pullWordsByFirstByte[$0][0]) == byte }
            return (words.first ?? 0)..<((words.last ?? -1) + 1)
        }
    }()

    /// The last `http(s)://` URL that starts before the x509 text.
    static func lastURL(in before: ArraySlice<UInt8>) -> LoggedURL? {
        let https = Array("https://".utf8)
        let http = Array("http://".utf8)
        var start: Int?
        var secure = true
        var index = before.endIndex
        // Search backwards for the scheme nearest to the x509 text.
        while index > before.startIndex {
            index -= 1
            guard before[index] == UInt8(ascii: "h") else { continue }
            if before[index...].starts(with: https) {
                start = index + https.count
                secure = true
                break
            }
            if before[index...].starts(with: http) {
                start = index + http.count
                secure = false
                break
            }
        }
        guard let start else { return nil }
        // The URL ends at a quote, white space, or the end; Go's unquoted form ends with ": ".
        var end = start
        while end < before.endIndex {
            let c = before[end]
            if c == UInt8(ascii: "\"") || c == 32 || c == UInt8(ascii: ")") || c == UInt8(ascii: "]") && !isInsideBrackets(before[start..<end]) || c == UInt8(ascii: "'") {
                break
            }
            end += 1
        }
        var url = before[start..<end]
        while let last = url.last, last == UInt8(ascii: ":") || last == UInt8(ascii: ",") || last == UInt8(ascii: ".") { url = url.dropLast() }
        // Authority: up to the first '/', '?' or '#'.
        let authorityEnd = url.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? url.endIndex
        var authority = url[url.startIndex..<authorityEnd]
        let rest = url[authorityEnd...]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        var host: ArraySlice<UInt8>
        var port = secure ? 443 : 80
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[(authority.startIndex + 1)..<close]
            let tail = authority[(close + 1)...]
            if tail.first == UInt8(ascii: ":") {
                guard let p = Int(String(decoding: tail.dropFirst(), as: UTF8.self)) else { return nil }
                port = p
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[authority.startIndex..<colon]
            let digits = authority[(colon + 1)...]
            if !digits.isEmpty {
                guard digits.count <= 5, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), let p = Int(String(decoding: digits, as: UTF8.self)) else {
                    return nil
                }
                port = p
            }
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        let pathEnd = rest.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        return LoggedURL(
            host: String(decoding: host, as: UTF8.self), port: port, path: String(decoding: rest[rest.startIndex..<pathEnd], as: UTF8.self),
            query: pathEnd < rest.endIndex)
    }

    static func isInsideBrackets(_ partial: ArraySlice<UInt8>) -> Bool {
        partial.first == UInt8(ascii: "[") && !partial.contains(UInt8(ascii: "]"))
    }

    /// The image reference the line names, from the phrases engines use around it.
    static let referencePhrases: [[UInt8]] = [
        "PullImage \"", "failed to pull and unpack image \"", "Failed to pull image \"", "failed to resolve reference \"",
        "Pulling image \"", "pulling image \"", "Error pulling image \"", "initializing source docker://", "failed to pull image ",
    ].map { Array($0.utf8) }

    static func reference(_ line: [UInt8]) -> String? {
        for phrase in referencePhrases {
            guard let range = line.byteRange(of: phrase) else { continue }
            var end = range.upperBound
            while end < line.count, line[end] != UInt8(ascii: "\""), line[end] != 32, !(line[end] == UInt8(ascii: ":") && (end + 1 == line.count || line[end + 1] == 32)) {
                end += 1
            }
            let text = String(decoding: line[range.upperBound..<end], as: UTF8.self)
            if !text.isEmpty && text.count < 512 { return text }
        }
        return nil
    }

    static let engineMarks: [(String, String)] = [
        ("containerd[", "containerd"), ("dockerd[", "dockerd"), ("kubelet[", "kubelet"), ("crio[", "crio"),
        ("buildkitd[", "buildkit"), ("podman[", "podman"), ("Error response from daemon", "dockerd"),
        ("Error getting v2 registry", "dockerd"), ("Error from V2 registry", "dockerd"), ("PullImage", "containerd"),
        ("kubelet", "kubelet"), ("Failed to pull image", "kubelet"), ("ErrImagePull", "kubelet"),
        ("pulling image: rpc error", "crictl"), ("ctr:", "ctr"), ("trying next host", "ctr"), ("nerdctl", "nerdctl"),
        ("moby.buildkit", "buildkit"), ("failed to solve", "buildkit"), ("pinging container registry", "podman"),
        ("initializing source", "podman"), ("error pulling image configuration", "dockerd"), ("docker:", "docker"),
    ]

    static func engine(_ line: [UInt8]) -> String {
        for (mark, engine) in engineMarks where line.byteRange(of: Array(mark.utf8)) != nil { return engine }
        return "unknown"
    }
}

extension RandomAccessCollection where Element == UInt8, Index == Int {
    /// Where `needle` first occurs, found with the scanner's SWAR search (`LogScanner.find`): the generic
    /// `firstRange(of:)` compares element by element through protocol witnesses, 100 times slower.
    func byteRange(of needle: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty else { return startIndex..<startIndex }
        let found: Int?? = withContiguousStorageIfAvailable { hay in
            hay.baseAddress.flatMap { LogScanner.find(needle, in: $0, from: 0, count: hay.count) }
        }
        guard let searched = found else { return firstRange(of: needle) }  // not contiguous: the slow way
        guard let offset = searched else { return nil }
        return (startIndex + offset)..<(startIndex + offset + needle.count)
    }
}
