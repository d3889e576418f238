/// An image reference as the engines resolve it: the registry (`RegistryHost(reference:)`), the server
/// first asked (`Endpoint(registryOf:)`), the repository (`library/` added for Docker Hub's official
/// images, as docker's reference grammar does) and what is asked for: a digest when the reference pins
/// one, else the tag, `latest` when none is written.
///
/// Everything here becomes part of a request line, so it is validated by the distribution grammar:
/// a repository of lower-case components, a tag of at most 128 word characters, dots and dashes, a
/// digest `algorithm:hex`. Nothing else reaches a server.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let registry: RegistryHost
    public let endpoint: Endpoint
    public let repository: String
    public let tag: String?
    public let digest: String?

    /// What the manifest request names: the digest when pinned, else the tag.
    public var manifestReference: String { digest ?? tag ?? "latest" }

    public var description: String { text }

    public init(parsing text: String) throws(ImageReferenceError) {
        self.text = text
        let registry: RegistryHost
        let endpoint: Endpoint
        do {
            registry = try RegistryHost(reference: text)
            endpoint = try Endpoint(registryOf: text)
        } catch {
            throw .registry(text, error)
        }
        self.registry = registry
        self.endpoint = endpoint
        var rest = Substring(text)
        for prefix in ["docker://", "https://", "http://"] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        // The registry part is there when RegistryHost read one from the first component.
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                rest = rest[rest.index(after: slash)...]
            }
        }
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        var repository = String(rest)
        if registry.isDockerHub && !repository.contains("/") { repository = "library/" + repository }
        guard Self.isRepository(repository) else { throw .repository(text, repository) }
        if let tag, !Self.isTag(tag) { throw .tag(text, tag) }
        if let digest, !Self.isDigest(digest) { throw .digest(text, digest) }
        self.repository = repository
        self.tag = digest == nil ? (tag ?? "latest") : tag
        self.digest = digest
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*` components joined by `/`, at most 255 characters.
    static func isRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            guard let first = component.utf8.first, let last = component.utf8.last, isAlnum(first), isAlnum(last) else { return false }
            var previous: UInt8 = 0
            for byte in component.utf8 {
                let separator = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                guard isAlnum(byte) || separator else { return false }
                // Two dots, a dot next to a dash or underscore: not the grammar's separators.
                if separator && byte != previous && !isAlnum(previous) { return false }
                if byte == UInt8(ascii: ".") && previous == byte { return false }
                previous = byte
            }
            return true
        }
    }

    /// `[\w][\w.-]{0,127}`.
    static func isTag(_ tag: String) -> Bool {
        guard let first = tag.utf8.first, tag.utf8.count <= 128, isWord(first) else { return false }
        return tag.utf8.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `algorithm:hex`, the algorithm `[a-z0-9]+([+._-][a-z0-9]+)*`, the encoded part `[a-zA-Z0-9=_-]{32,}`
    /// (sha256 exactly 64 lower-case hex digits).
    public static func isDigest(_ digest: String) -> Bool {
        guard let colon = digest.firstIndex(of: ":"), digest.utf8.count <= 200 else { return false }
        let algorithm = digest[..<colon], encoded = digest[digest.index(after: colon)...]
        guard !algorithm.isEmpty, encoded.utf8.count >= 32 else { return false }
        guard algorithm.utf8.allSatisfy({ isLowerAlnum($0) || [UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")].contains($0) }),
            let a = algorithm.utf8.first, let z = algorithm.utf8.last, isLowerAlnum(a), isLowerAlnum(z)
        else { return false }
        if algorithm == "sha256" {
            return encoded.utf8.count == 64 && encoded.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
        }
        return encoded.utf8.allSatisfy { isAlnum($0) || ($0 >= 65 && $0 <= 90) || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isAlnum(_ b: UInt8) -> Bool { isLowerAlnum(b) }
    static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    static func isWord(_ b: UInt8) -> Bool { isLowerAlnum(b) || (b >= 65 && b <= 90) || b == UInt8(ascii: "_") }
}
