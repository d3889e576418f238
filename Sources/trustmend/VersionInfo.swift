import TrustmendSystemd
import TrustmendTLS

/// What `trustmend --version` prints: the package version and the C libraries in use.
enum VersionInfo {
    /// Replaced by packaging/build from the package version.
    static let version = "0.1.0"

    static var text: String {
        "trustmend \(version)\n\(OpenSSLInfo.version)\nlibsystemd \(SystemdInfo.version)"
    }
}
