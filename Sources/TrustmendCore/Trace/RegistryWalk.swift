/// The requests an engine makes to pull an image, one at a time, as a value: `next` is the request to
/// send, `consume` takes its answer and chooses the one after, until `end` says how the walk ended.
///
/// The order is the engines': `GET /v2/`; on a 401 with a Bearer challenge, an anonymous token from the
/// realm it names (`service`, `scope=repository:NAME:pull`); the manifest, asked with the media types of
/// an index and a manifest (an index resolved to `platform`'s manifest, asked again by digest); then the
/// config blob, the first download a pull makes, asked with `Range: bytes=0-0` so that nothing of it is
/// read. Every redirect is followed, https only, at most `maxRedirects` per request, loops refused.
/// Never a layer, never a credential: the only `Authorization` sent is the anonymous token, and only
/// to the host that asked for it.
public struct RegistryWalk: Sendable {
    public let reference: ImageReference
    public let platform: String
    public let maxRedirects: Int
    /// The request to send now; nil once the walk has ended.
    public private(set) var next: RegistryRequest?
    /// How the walk ended; nil while it goes on.
    public private(set) var end: TraceEnd?

    enum Step: Sendable, Hashable {
        case ping
        case token
        case manifest(String)
        case blob(String)
    }

    private var step = Step.ping
    /// What a token is fetched for: the step that met the 401, asked again with the token.
    private var afterToken = Step.ping
    private var token: String?
    /// An index was resolved already: another index in its place would lead nowhere (or in a circle).
    private var resolvedIndex = false
    /// The URLs of the current request and the redirects that led from it.
    private var visited: [RegistryURL] = []

    public static let manifestLimit = 4 << 20
    public static let tokenLimit = 64 << 10
    public static let pingLimit = 4 << 10
    /// The config blob's first bytes, read only when a server ignores the range; the rest is never read.
    public static let blobLimit = 8
    public static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    ]

    public init(reference: ImageReference, options: TraceOptions) {
        self.reference = reference
        self.platform = options.platform
        self.maxRedirects = options.maxRedirects
        begin(.ping)
    }

    /// The answer to `next`.
    public mutating func consume(_ response: RegistryResponse) {
        guard let request = next else { return }
        if [301, 302, 303, 307, 308].contains(response.status) {
            follow(response, of: request)
            return
        }
        let what = "\(request.endpoint) answered \(response.status) to \(request.summary)"
        if response.status == 401 {
            unauthorised(response, of: request, what)
            return
        }
        switch step {
        case .ping:
            guard (200..<300).contains(response.status) else {
                return stop("\(what): not a registry's distribution API (/v2/)")
            }
            begin(.manifest(reference.manifestReference))
        case .token:
            guard (200..<300).contains(response.status) else {
                if response.status == 403 { return finish(.needsCredentials(request.endpoint)) }
                return stop("\(what): no anonymous token for \(reference.repository)")
            }
            guard let token = TokenAnswer.token(in: response.body, truncated: response.truncated) else {
                return stop("the token server \(request.endpoint) answered without a usable token (JSON \"token\" or \"access_token\")")
            }
            self.token = token
            begin(afterToken)
        case .manifest(let asked):
            guard (200..<300).contains(response.status) else {
                if response.status == 404 {
                    return stop("\(what): the registry has no manifest \(asked) for \(reference.repository)")
                }
                return stop(what)
            }
            guard !response.truncated else {
                return stop("the manifest \(asked) of \(reference.repository) is larger than \(Self.manifestLimit >> 20) MiB; not read")
            }
            switch ManifestAnswer.read(response, platform: platform) {
            case .manifest(let digest):
                guard !resolvedIndex else { return stop("the index's manifest for \(platform) (\(asked)) is an index again; not followed") }
                resolvedIndex = true
                begin(.manifest(digest))
            case .config(let digest): begin(.blob(digest))
            case .unusable(let why): stop("the manifest \(asked) of \(reference.repository): \(why)")
            }
        case .blob(let digest):
            guard (200..<300).contains(response.status) else {
                if response.status == 404 { return stop("\(what): the registry has no config blob \(digest)") }
                return stop(what)
            }
            finish(.complete)
        }
    }

    /// `next` got no answer (a connection refused, a handshake or time limit): the walk ends there.
    public mutating func noAnswer(_ problem: String) {
        guard let request = next else { return }
        stop("no answer from \(request.endpoint) to \(request.summary): \(problem)")
    }

    private mutating func unauthorised(_ response: RegistryResponse, of request: RegistryRequest, _ what: String) {
        let bearer = response.values("WWW-Authenticate").flatMap(AuthChallenge.parse).first { $0.scheme == "bearer" }
        // A token refused, a token server that wants credentials, or a challenge the trace cannot answer
        // anonymously: the registry is private. The hosts met so far are judged all the same.
        guard step != .token, token == nil, let bearer else { return finish(.needsCredentials(request.endpoint)) }
        guard let realm = bearer.parameters["realm"], !realm.isEmpty else {
            return stop("\(what) with a Bearer challenge that names no realm (token server)")
        }
        let base: RegistryURL
        do { base = try RegistryURL(absolute: realm) } catch {
            return stop("\(what); its token server cannot be asked: \(error)")
        }
        var query = [("scope", "repository:\(reference.repository):pull")]
        if let service = bearer.parameters["service"] { query.insert(("service", service), at: 0) }
        let encoded = query.map { "\($0)=\(Self.percentEncoded($1))" }.joined(separator: "&")
        let url: RegistryURL
        do { url = try RegistryURL(endpoint: base.endpoint, target: base.target + (base.target.contains("?") ? "&" : "?") + encoded) } catch {
            return stop("\(what); its token server cannot be asked: \(error)")
        }
        afterToken = step == .ping ? .manifest(reference.manifestReference) : step
        begin(.token, url: url)
    }

    private mutating func follow(_ response: RegistryResponse, of request: RegistryRequest) {
        guard let location = response.value("Location") else {
            return stop("\(request.endpoint) answered \(response.status) to \(request.summary) without a Location to follow")
        }
        let target: RegistryURL
        do { target = try request.url.resolving(location) } catch {
            return stop("\(request.endpoint) redirected \(request.summary): \(error)")
        }
        guard !visited.contains(target) else {
            return stop("a redirect loop: \(request.endpoint) sent \(request.summary) back to \(target), met before")
        }
        guard visited.count <= maxRedirects else {
            return stop("more than \(maxRedirects) redirects for \(visited[0].endpoint) \(visited[0].path); the last led to \(target)")
        }
        visited.append(target)
        var headers = request.headers
        // The anonymous token goes only to the host it was given for (Go drops it for another host too).
        if target.endpoint != visited[0].endpoint { headers.removeAll { $0.name == "Authorization" } }
        next = RegistryRequest(url: target, role: .redirect, method: request.method, headers: headers, bodyLimit: request.bodyLimit)
    }

    private mutating func begin(_ step: Step, url: RegistryURL? = nil) {
        self.step = step
        let repository = reference.repository
        var headers: [RegistryRequest.Header] = []
        let role: TraceRole, target: String, limit: Int
        switch step {
        case .ping:
            (role, target, limit) = (.registry, "/v2/", Self.pingLimit)
        case .token:
            (role, target, limit) = (.token, url?.target ?? "", Self.tokenLimit)
        case .manifest(let asked):
            headers.append(.init("Accept", Self.manifestTypes.joined(separator: ", ")))
            (role, target, limit) = (.registry, "/v2/\(repository)/manifests/\(asked)", Self.manifestLimit)
        case .blob(let digest):
            headers.append(.init("Range", "bytes=0-0"))
            (role, target, limit) = (.registry, "/v2/\(repository)/blobs/\(digest)", Self.blobLimit)
        }
        if let token, step != .token { headers.append(.init("Authorization", "Bearer \(token)")) }
        // The parts were validated (`ImageReference`, `ImageReference.isDigest`, `RegistryURL`): this holds.
        guard let requestURL = try? url ?? RegistryURL(endpoint: reference.endpoint, target: target) else {
            return stop("cannot build the request for \(target.prefix(200))")
        }
        let request = RegistryRequest(url: requestURL, role: role, headers: headers, bodyLimit: limit)
        visited = [request.url]
        next = request
    }

    private mutating func stop(_ why: String) { finish(.stopped(why)) }

    private mutating func finish(_ end: TraceEnd) {
        self.end = end
        next = nil
    }

    /// Query-component encoding: unreserved characters and `:` `/` as they are, the rest as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let safe = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || Array("-._~:/".utf8).contains(byte)
            out += safe ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
        return out
    }
}
