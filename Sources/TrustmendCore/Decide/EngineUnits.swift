import FoundationEssentials

/// Which systemd unit does the TLS for a failure an engine logged (FACTS §1), so that restarting it
/// reloads the roots. kubelet logs what the CRI runtime failed; `ctr`, `nerdctl`, podman, skopeo and
/// buildctl pull in their own short-lived process, which reads the new bundle by itself.
public enum EngineUnits {
    /// Every engine unit whose failure one approval answers (containerd and docker can both fail on one
    /// registry within a window: both are restarted), from the journal units that logged it.
    public static func units(for engine: String, loggedBy: Set<String>, runtime: String) -> [String] {
        if loggedBy.isEmpty { return unit(loggedBy: nil, engine: engine, runtime: runtime).map { [$0] } ?? [] }
        return Set(loggedBy.compactMap { unit(loggedBy: $0, engine: engine, runtime: runtime) }).sorted()
    }

    /// - Parameters:
    ///   - loggedBy: the journal's `_SYSTEMD_UNIT`, when the record came from the journal.
    ///   - engine: what the detector says printed the line.
    ///   - runtime: the CRI runtime unit in use (`containerd.service` or `crio.service`).
    public static func unit(loggedBy: String?, engine: String, runtime: String) -> String? {
        switch loggedBy {
        case "kubelet.service": return runtime
        case "containerd.service", "docker.service", "crio.service": return loggedBy
        default: break
        }
        switch engine {
        case "dockerd": return "docker.service"
        case "containerd", "kubelet", "crictl", "cri": return runtime
        case "crio", "cri-o": return "crio.service"
        default: return nil
        }
    }
}
