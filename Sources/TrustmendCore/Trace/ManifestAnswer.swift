import FoundationEssentials

/// What a manifest request's answer leads to: the platform's manifest of an index, or the config blob of
/// a manifest.
enum ManifestAnswer: Sendable, Hashable {
    case manifest(String)
    case config(String)
    case unusable(String)

    struct Document: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [Entry]?
        var config: Descriptor?
    }

    struct Entry: Decodable {
        var digest: String?
        var platform: Platform?
    }

    struct Platform: Decodable {
        var os: String?
        var architecture: String?
        var variant: String?
    }

    struct Descriptor: Decodable {
        var digest: String?
    }

    static func read(_ response: RegistryResponse, platform: String) -> ManifestAnswer {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(response.body)) else {
            return .unusable("the answer is not a JSON manifest")
        }
        let contentType = response.value("Content-Type").map { String($0.prefix { $0 != ";" }).lowercased() } ?? ""
        if document.schemaVersion == 1 || contentType.hasPrefix("application/vnd.docker.distribution.manifest.v1") {
            return .unusable("a schema 1 manifest, which has no config blob (the engines no longer pull it)")
        }
        if let entries = document.manifests {
            return choose(entries, platform: platform)
        }
        guard let digest = document.config?.digest else { return .unusable("neither an index nor a manifest with a config") }
        guard ImageReference.isDigest(digest) else { return .unusable("its config digest \(EndpointError.quote(digest)) is not a digest") }
        return .config(digest)
    }

    /// The entry for `platform` (`os/architecture[/variant]`), as containerd's platform matcher does it
    /// for the common cases: the variant must match when one is asked for (arm64's `v8` is the default);
    /// without one asked for, an entry without a variant is preferred.
    static func choose(_ entries: [Entry], platform: String) -> ManifestAnswer {
        let wanted = platform.split(separator: "/").map { $0.lowercased() }
        guard wanted.count >= 2 else { return .unusable("the platform \(EndpointError.quote(platform)) is not os/architecture") }
        func normalised(_ variant: String?, _ architecture: String) -> String? {
            guard let variant, !variant.isEmpty else { return architecture == "arm64" ? "v8" : nil }
            return variant.lowercased()
        }
        let wantedVariant = wanted.count > 2 ? normalised(wanted[2], wanted[1]) : nil
        let matches = entries.filter { entry in
            guard let p = entry.platform, p.os?.lowercased() == wanted[0], p.architecture?.lowercased() == wanted[1] else { return false }
            return wantedVariant == nil || normalised(p.variant, wanted[1]) == wantedVariant
        }
        let best = matches.first { ($0.platform?.variant ?? "").isEmpty } ?? matches.first
        guard let best else {
            let offered = entries.compactMap { $0.platform }.map { [$0.os ?? "?", $0.architecture ?? "?", $0.variant].compactMap { $0 }.joined(separator: "/") }
            return .unusable("the index has no manifest for \(platform) (it has \(offered.isEmpty ? "none with a platform" : offered.prefix(12).joined(separator: ", ")))")
        }
        guard let digest = best.digest, ImageReference.isDigest(digest) else {
            return .unusable("the index's entry for \(platform) has no valid digest")
        }
        return .manifest(digest)
    }
}
