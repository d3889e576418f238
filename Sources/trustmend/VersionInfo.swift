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
