/// Where a pull failure's endpoint is found when the line's URL names none: it was cut (`https://…/v2/`,
/// `Head "..."`, `systemctl status` shortening the line), or there is none. Two places, in this order:
/// containerd's resolver's logfmt `host` field, then the image reference's registry.
///
/// Both name the registry, never a token server or a CDN, so both are used only when the failing
/// request was the registry's own: a cut URL whose path is the distribution API (`/v2/…`), or, without
/// a URL, a line whose words say the registry was being resolved or pinged. Where the line speaks of a
/// token, authorization, a blob or a download, the failing host may be another: no endpoint then
/// (FACTS 23: a redirect target is found by following the redirect, never by trusting the registry).
enum EndpointFallback {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// The endpoint and how it was found; nil when neither place names a valid one, or the failing
    /// request may not have been the registry's.
    /// - `before`: the normalised text before the x509 text; `raw`: the whole line as logged (the logfmt
    ///   quoting is read there, before normalising drops its backslashes); `url`: the URL the line names,
    ///   cut or invalid (nil when it names none).
    static func find(before: Bytes, raw: Bytes, url: LoggedURL?, reference: String?) -> (Endpoint, EndpointSource)? {
        guard !mentions(otherServerWords, in: before) else { return nil }
        if let url, url.traffic != .registry { return nil }
        if mentions(resolverMessages, in: before), before.byteRange(of: doRequest) != nil, let text = hostField(raw),
            let endpoint = try? Endpoint(parsing: text)
        {
            return (endpoint, .hostField)
        }
        guard url != nil || mentions(registryStepWords, in: before), let reference,
            let endpoint = try? Endpoint(registryOf: reference)
        else { return nil }
        return (endpoint, .imageReference)
    }

    /// What containerd's resolver logs with the host it asked in a `host` field and the error in `error`:
    /// `log.G(ctx).WithError(err).Info(nextHostOrFail(i))` under `WithField("host", host.Host)`
    /// (`core/remotes/docker/resolver.go` 323–342 at 301026e; `remotes/docker/resolver.go` 267–288 in 1.6).
    static let resolverMessages = ["trying next host", "fetch failed"].map { Array($0.utf8) }
    /// The resolver's request error (`fmt.Errorf("failed to do request: %w", err)` in `resolver.go`): an
    /// x509 failure there always carries it, another program's `fetch failed` need not.
    static let doRequest = Array("failed to do request".utf8)

    /// Words of the steps that ask the registry itself: containerd's `failed to resolve reference`
    /// (`client/pull.go`) and `failed to resolve image` (`core/transfer/local/pull.go`), containers/image's
    /// `pinging container registry` (`docker/docker_client.go`; `pinging docker registry` in older ones),
    /// dockerd's `Error getting v2 registry` (`daemon/internal/distribution/pull_v2.go`).
    static let registryStepWords = [
        "failed to resolve reference", "failed to resolve image", "pinging container registry", "pinging docker registry",
        "Error getting v2 registry",
    ].map { Array($0.utf8) }

    /// Words of requests that may go elsewhere than the registry: tokens (`failed to authorize: failed to
    /// fetch oauth token`), blobs and downloads that registries redirect to a CDN (`failed to copy:
    /// httpReadSeeker`, dockerd's `error pulling image configuration: download failed`).
    static let otherServerWords = [
        "token", "Token", "authoriz", "Authoriz", "blob", "failed to copy", "httpReadSeeker", "image configuration", "ownload failed",
    ].map { Array($0.utf8) }

    static func mentions(_ words: [[UInt8]], in text: Bytes) -> Bool {
        words.contains { text.byteRange(of: $0) != nil }
    }

    static let hostKey = Array("host=".utf8)

    /// The value of the line's one logfmt `host` key (or `key`: kubelet's structured `image="…"`), as
    /// logrus and klog write it: a key at the start or after a space, outside any quoted value; the value
    /// bare (`host=my.registry`) or quoted when it has a port (`host="registry.example:5000"`, logrus
    /// quotes ':'). Nil when there is none, or more than one (a logger writes a key once), or the quoted
    /// value has an escape (no host or parsable image reference has one).
    ///
    /// The quoting is read on the raw line: normalising drops the backslashes that say which quotes are
    /// inside a value, and text inside a value (an error message, a pod author's string) is never a field.
    static func hostField(_ line: Bytes, key hostKey: [UInt8] = EndpointFallback.hostKey) -> String? {
        // ctr and nerdctl on a terminal colour the keys (`ESC[36mhost ESC[0m=`); nothing else is taken out.
        let plain = line.contains(0x1b) ? withoutColour(line) : Array(line)
        let n = plain.count
        var found: String?
        var quoted = false
        var i = 0
        while i < n {
            let b = plain[i]
            if quoted {
                if b == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if b == UInt8(ascii: "\"") { quoted = false }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                quoted = true
                i += 1
                continue
            }
            let atKey = i == 0 || plain[i - 1] == 32 || plain[i - 1] == 9
            guard atKey, i + hostKey.count <= n, plain[i..<(i + hostKey.count)].elementsEqual(hostKey) else {
                i += 1
                continue
            }
            guard found == nil else { return nil }
            var start = i + hostKey.count
            var end = start
            if start < n, plain[start] == UInt8(ascii: "\"") {
                start += 1
                end = start
                while end < n, plain[end] != UInt8(ascii: "\""), plain[end] != UInt8(ascii: "\\") { end += 1 }
                guard end < n, plain[end] == UInt8(ascii: "\"") else { return nil }
                i = end + 1
            } else {
                while end < n, plain[end] != 32, plain[end] != 9 { end += 1 }
                i = end
            }
            guard start < end, end - start <= 300 else { return nil }
            found = String(decoding: plain[start..<end], as: UTF8.self)
        }
        return found
    }

    /// The line without ANSI escape sequences (`ESC [ … final byte`, or `ESC` and one byte).
    static func withoutColour(_ line: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var i = 0
        while i < line.count {
            guard line[i] == 0x1b else {
                out.append(line[i])
                i += 1
                continue
            }
            i += 1
            if i < line.count, line[i] == UInt8(ascii: "[") {
                i += 1
                while i < line.count, !(line[i] >= 0x40 && line[i] <= 0x7e) { i += 1 }
            }
            i += 1
        }
        return out
    }
}
