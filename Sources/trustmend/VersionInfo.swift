import CPrivateRuntime
import TrustmendSystemd
import TrustmendTLS

/// What `trustmend --version` prints: the package version, the C libraries in use, and where they come
/// from — the packages' private runtime with its manifest, or the system's libraries.
enum VersionInfo {
    /// Replaced by packaging/build from the package version.
    static let version = "0.1.0"

    static var text: String {
        "trustmend \(version)\n\(OpenSSLInfo.version)\nlibsystemd \(SystemdInfo.version)\n\(runtime)"
    }

    /// The directory of the libc in use, and the manifest packaging/runtime.sh wrote beside the libraries.
    static var runtime: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard trustmend_runtime_directory(&buffer, UInt(buffer.count)) > 0 else { return "runtime: unknown (libc not found)" }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let text = NodeFiles.readText(directory + "/" + RuntimeManifest.fileName) else {
            return "runtime: the system's libraries in \(directory)"
        }
        return RuntimeManifest(text: text).summary(directory: directory)
    }
}

/// The list of the private runtime's files that packaging/runtime.sh writes: per line the file, the
/// distribution's source package and version it was built from, and its SHA-256, tab-separated; `#`
/// lines carry the distribution it was taken from (`# from: …`).
struct RuntimeManifest {
    static let fileName = "runtime.manifest"

    struct Library: Equatable {
        var file: String
        var sourcePackage: String
        var version: String
    }

    var distribution = "an unknown distribution"
    var libraries: [Library] = []

    init(text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# from: ") {
                distribution = String(line.dropFirst(8))
                continue
            }
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            libraries.append(Library(file: String(fields[0]), sourcePackage: String(fields[1]), version: String(fields[2])))
        }
    }

    func summary(directory: String) -> String {
        let width = libraries.map(\.file.count).max() ?? 0
        let rows = libraries.map { library in
            "  " + library.file + String(repeating: " ", count: width - library.file.count) + "  \(library.sourcePackage) \(library.version)"
        }
        return (["runtime: \(directory), \(libraries.count) files from \(distribution) (\(directory)/\(Self.fileName)):"] + rows)
            .joined(separator: "\n")
    }
}
