/// Which systemd unit does the TLS for a failure an engine logged (FACTS §1), so that restarting it
/// reloads the roots. kubelet logs what the CRI runtime failed; `ctr`, `nerdctl`, podman, skopeo and
/// buildctl pull in their own short-lived process, which reads the new bundle by itself.
public enum EngineUnits {
    /// Every engine unit whose failure one approval answers (containerd and docker can both fail on one
    /// registry within a window: both are restarted), from the journal units that logged it.
    public static func units(for engine: Engine, loggedBy: Set<String>, runtime: String) -> [String] {
        if loggedBy.isEmpty { return unit(loggedBy: nil, engine: engine, runtime: runtime).map { [$0] } ?? [] }
        return Set(loggedBy.compactMap { unit(loggedBy: $0, engine: engine, runtime: runtime) }).sorted()
    }

    /// - Parameters:
    ///   - loggedBy: the journal's `_SYSTEMD_UNIT`, when the record came from the journal.
    ///   - engine: what the detector says printed the line.
    ///   - runtime: the CRI runtime unit in use (`containerd.service` or `crio.service`).
    public static func unit(loggedBy: String?, engine: Engine, runtime: String) -> String? {
        switch loggedBy.flatMap(EngineUnit.init(rawValue:)) {
        case .kubelet: return runtime
        case .containerd, .docker, .crio: return loggedBy
        case nil: break
        }
        switch engine {
        case .dockerd: return EngineUnit.docker.name
        case .containerd, .kubelet, .crictl: return runtime
        case .crio: return EngineUnit.crio.name
        case .ctr, .nerdctl, .podman, .buildkit, .docker, .unknown: return nil
        }
    }
}
