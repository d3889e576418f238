import Glibc

/// Text operations on one log line, as bytes.
enum LogLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Whether the line has a backslash or a control byte, the only things `normalize` changes; eight
    /// bytes at a time: `(x - 0x20…) & ~x & 0x80…` is non-zero exactly when a byte of `x` is below 0x20
    /// (a borrow can mark a byte wrongly only above one that really is), and the same test on
    /// `x ^ 0x5c…` against 0x01… finds a backslash.
    static func needsNormalizing(_ raw: Bytes) -> Bool {
        guard let base = raw.baseAddress else { return false }
        let bytes = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let backslashes = UInt64(UInt8(ascii: "\\")) &* ones
        var i = 0
        while i + 8 <= raw.count {
            let x = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let y = x ^ backslashes
            if ((x &- 0x20 &* ones) & ~x & high) | ((y &- ones) & ~y & high) != 0 { return true }
            i += 8
        }
        while i < raw.count {
            if base[i] < 0x20 || base[i] == UInt8(ascii: "\\") { return true }
            i += 1
        }
        return false
    }

    /// Removes backslash escapes (logfmt `\"`, klog `\\\"`), ANSI colour sequences and control characters,
    /// so every quoting style reads as plain `"`.
    static func normalize(_ raw: Bytes) -> [UInt8] {
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

    static func hasPrefix(_ bytes: Bytes, _ prefix: [UInt8]) -> Bool {
        guard let base = bytes.baseAddress else { return prefix.isEmpty }
        return bytes.count >= prefix.count && memcmp(base, prefix, prefix.count) == 0
    }

    static let exclusions: [[UInt8]] = [
        "failed calling webhook", "failed to call webhook", "Unable to connect to the server", "update check",
        "Failed to list", "Failed to watch", "failed to set up watch", "reflector.go",
        // kubelet reports a pod's `image:` string it cannot parse verbatim, at error level ("Error syncing
        // pod … with InvalidImageName: Failed to apply default image tag …"): the text is the pod
        // author's, and no pull happened. Only a real pull failure may nominate a host.
        "InvalidImageName", "Failed to apply default image tag", "couldn't parse image reference",
        "couldn't parse image name", "invalid reference format",
    ].map { Array($0.utf8) }

    static func isExcluded(_ line: Bytes) -> Bool {
        exclusions.contains { line.byteRange(of: $0) != nil }
    }

    /// The words that say an image is being pulled, each with the two bytes of it the search looks for
    /// first: a pair rare in log text, so the search seldom stops where no word is.
    static let pullWordAnchors: [(word: String, anchor: String)] = [
        ("pull", "pu"), ("Pull", "Pu"), ("PULL", "PU"), ("pinging container registry", "gi"), ("pinging docker registry", "gi"),
        ("failed to do request", "eq"), ("failed to resolve", "lv"), ("failed to fetch", "tc"), ("fetch failed", "tc"),
        ("failed to copy", "py"), ("image configuration", "gu"), ("Error response from daemon", "Er"), ("error pinging", "gi"),
        ("v2 registry", "v2"), ("V2 registry", "V2"), ("manifest", "if"), ("ImagePull", "Im"),
    ]
    static let pullWords: [[UInt8]] = pullWordAnchors.map { Array($0.word.utf8) }

    /// A pull word, where its anchor pair is in it, and the pair as `loadUnaligned` reads it.
    struct AnchoredWord {
        var bytes: [UInt8]
        var offset: Int
        var pair: UInt16
    }

    static let anchoredPullWords: [AnchoredWord] = pullWordAnchors.map { word, anchor in
        let bytes = Array(word.utf8)
        let pair = Array(anchor.utf8)
        let offset = bytes.indices.dropLast().first { bytes[$0] == pair[0] && bytes[$0 + 1] == pair[1] }
        precondition(pair.count == 2 && offset != nil, "the anchor of the pull word '\(word)' must be two bytes of it")
        return AnchoredWord(bytes: bytes, offset: offset!, pair: UInt16(pair[0]) | UInt16(pair[1]) << 8)
    }

    /// One bit for each of the 65,536 byte pairs: set for the pull words' anchors.
    static let anchorPairs: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 1024)
        for word in anchoredPullWords { bits[Int(word.pair >> 6)] |= 1 << (word.pair & 63) }
        return bits
    }()

    /// Whether any pull word occurs in the line, in one pass over its byte pairs: each pair is looked up
    /// in a bit table of the words' anchor pairs, and only where one is found are the words compared (one
    /// search per word took 44 % of a scan's time, a first-byte index 13 %).
    static func hasPullContext(_ line: Bytes) -> Bool {
        guard let base = line.baseAddress, line.count >= 2 else { return false }
        let bytes = UnsafeRawPointer(base)
        let count = line.count
        return anchorPairs.withUnsafeBufferPointer { bits in
            for i in 0..<(count - 1) {
                let pair = bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self)
                guard bits[Int(pair >> 6)] & (1 << (pair & 63)) != 0 else { continue }
                for word in anchoredPullWords where word.pair == pair {
                    let start = i - word.offset
                    if start >= 0, start + word.bytes.count <= count, memcmp(base + start, word.bytes, word.bytes.count) == 0 { return true }
                }
            }
            return false
        }
    }

    static let https = Array("https://".utf8)
    static let http = Array("http://".utf8)

    /// The last `http(s)://` URL that starts before the x509 text; with `repaired`, the last one Go's path
    /// cleaning (`path.Join`, `path.Clean`) left with one slash after the scheme, `https:/host/v2`, read
    /// as `https://host/v2`. Only that shape: a scheme, one slash, then no slash, after a byte that is not
    /// a letter or digit.
    static func lastURL(in before: Bytes, repaired: Bool = false) -> LoggedURL? {
        var start: Int?
        var secure = true
        var index = before.count
        // Search backwards for the scheme nearest to the x509 text.
        while index > 0 {
            index -= 1
            guard before[index] == UInt8(ascii: "h") else { continue }
            let rest = Bytes(rebasing: before[index...])
            if repaired {
                guard index == 0 || !isAlphanumeric(before[index - 1]) else { continue }
                if let length = oneSlashScheme(rest, https) {
                    start = index + length
                    secure = true
                    break
                }
                if let length = oneSlashScheme(rest, http) {
                    start = index + length
                    secure = false
                    break
                }
                continue
            }
            if hasPrefix(rest, https) {
                start = index + https.count
                secure = true
                break
            }
            if hasPrefix(rest, http) {
                start = index + http.count
                secure = false
                break
            }
        }
        guard let start else { return nil }
        // The URL ends at a quote, white space, or the end; Go's unquoted form ends with ": ".
        var end = start
        var bracketOpen = false  // inside an IPv6 literal's brackets
        while end < before.count {
            let c = before[end]
            if end == start { bracketOpen = c == UInt8(ascii: "[") }
            if c == UInt8(ascii: "]") && bracketOpen {
                bracketOpen = false
            } else if c == UInt8(ascii: "\"") || c == 32 || c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "'") {
                break
            }
            end += 1
        }
        let untrimmed = end
        while end > start, before[end - 1] == UInt8(ascii: ":") || before[end - 1] == UInt8(ascii: ",") || before[end - 1] == UInt8(ascii: ".") {
            end -= 1
        }
        // Two dots where the URL ends are an ellipsis (`https://registry.exa...`), not a sentence's end:
        // kept, so that the name it cuts short is not taken for a whole one.
        if (end..<max(end, untrimmed - 1)).contains(where: { before[$0] == UInt8(ascii: ".") && before[$0 + 1] == UInt8(ascii: ".") }) {
            end = untrimmed
        }
        // Authority: up to the first '/', '?' or '#'.
        var authorityEnd = start
        while authorityEnd < end, before[authorityEnd] != UInt8(ascii: "/"), before[authorityEnd] != UInt8(ascii: "?"), before[authorityEnd] != UInt8(ascii: "#") {
            authorityEnd += 1
        }
        var authorityStart = start
        if let at = (start..<authorityEnd).last(where: { before[$0] == UInt8(ascii: "@") }) { authorityStart = at + 1 }
        var host: Range<Int>
        var port = secure ? 443 : 80
        if authorityStart < authorityEnd, before[authorityStart] == UInt8(ascii: "[") {
            guard let close = (authorityStart..<authorityEnd).first(where: { before[$0] == UInt8(ascii: "]") }) else { return nil }
            host = (authorityStart + 1)..<close
            if close + 1 < authorityEnd, before[close + 1] == UInt8(ascii: ":") {
                guard let p = portNumber(before[(close + 2)..<authorityEnd], anyLength: true) else { return nil }
                port = p
            }
        } else if let colon = (authorityStart..<authorityEnd).last(where: { before[$0] == UInt8(ascii: ":") }) {
            host = authorityStart..<colon
            if colon + 1 < authorityEnd {
                guard let p = portNumber(before[(colon + 1)..<authorityEnd], anyLength: false) else { return nil }
                port = p
            }
        } else {
            host = authorityStart..<authorityEnd
        }
        guard !host.isEmpty else { return nil }
        var pathEnd = authorityEnd
        while pathEnd < end, before[pathEnd] != UInt8(ascii: "?"), before[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }
        let path = authorityEnd..<pathEnd
        return LoggedURL(
            host: host, port: port, path: path, traffic: LoggedURL.traffic(path: Bytes(rebasing: before[path])),
            elided: LoggedURL.hasEllipsis(Bytes(rebasing: before[host])))
    }

    /// The length of `https:/` when `bytes` start with it and no second slash follows.
    static func oneSlashScheme(_ bytes: Bytes, _ scheme: [UInt8]) -> Int? {
        let length = scheme.count - 1
        guard bytes.count > length, bytes[length] != UInt8(ascii: "/") else { return nil }
        return memcmp(bytes.baseAddress!, scheme, length) == 0 ? length : nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 122)
    }

    /// The decimal number in `digits`, as `Int(String)` reads it: after a bracketed IPv6 host any length
    /// (a sign included), after a plain host at most five digits.
    static func portNumber(_ digits: Slice<Bytes>, anyLength: Bool) -> Int? {
        if anyLength { return Int(String(decoding: digits, as: UTF8.self)) }
        guard !digits.isEmpty, digits.count <= 5 else { return nil }
        var value = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            value = value * 10 + Int(d - 48)
        }
        return value
    }

    /// The image reference the line names, from the phrases engines use around it.
    static let referencePhrases: [[UInt8]] = [
        "PullImage \"", "failed to pull and unpack image \"", "Failed to pull image \"", "failed to resolve reference \"",
        "Pulling image \"", "pulling image \"", "Error pulling image \"", "initializing source docker://", "failed to pull image ",
    ].map { Array($0.utf8) }

    static func reference(_ line: Bytes) -> String? {
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

    static let engineMarks: [(mark: [UInt8], engine: Engine)] = ([
        ("containerd[", .containerd), ("dockerd[", .dockerd), ("kubelet[", .kubelet), ("crio[", .crio),
        ("buildkitd[", .buildkit), ("podman[", .podman), ("Error response from daemon", .dockerd),
        ("Error getting v2 registry", .dockerd), ("Error from V2 registry", .dockerd), ("PullImage", .containerd),
        ("kubelet", .kubelet), ("Failed to pull image", .kubelet), ("ErrImagePull", .kubelet),
        ("pulling image: rpc error", .crictl), ("ctr:", .ctr), ("trying next host", .ctr), ("nerdctl", .nerdctl),
        ("moby.buildkit", .buildkit), ("failed to solve", .buildkit), ("pinging container registry", .podman),
        ("initializing source", .podman), ("error pulling image configuration", .dockerd), ("docker:", .docker),
    ] as [(String, Engine)]).map { (Array($0.0.utf8), $0.1) }

    static func engine(_ line: Bytes) -> Engine {
        engineMarks.first { line.byteRange(of: $0.mark) != nil }?.engine ?? .unknown
    }
}
