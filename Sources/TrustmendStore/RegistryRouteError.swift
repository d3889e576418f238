import Glibc
import TrustmendCore

/// Why the registry route refuses a registry.
public enum RegistryRouteError: Error, Sendable, CustomStringConvertible {
    case hostsTomlPresent(String)
    case notADirectory(String)
    case notOurs(String)

    public var description: String {
        switch self {
        case .hostsTomlPresent(let path):
            "\(path) exists and trustmend did not write it; containerd ignores loose *.crt files next to a hosts.toml, "
                + "and trustmend never rewrites an operator's file. Add `ca = \"/path/to/ca.crt\"` to it yourself "
                + "(`trustmend fetch HOST` prints the chain to check and save), or use the system route"
        case .notADirectory(let path):
            "\(path) exists and is not a directory; the engine cannot read per-registry certificates there"
        case .notOurs(let path):
            "refusing to delete \(path): it is not a trustmend-*.crt file in /etc/docker/certs.d or /etc/containerd/certs.d"
        }
    }
}
