/// The systemd units of the engines trustmend knows: the journal units it reads by default, the ones it
/// restarts and the kubelet, whose failures are the CRI runtime's. The one place their names are spelled.
public enum EngineUnit: String, Sendable, Hashable, CaseIterable {
    case containerd = "containerd.service"
    case docker = "docker.service"
    case kubelet = "kubelet.service"
    case crio = "crio.service"

    /// The unit's name, as systemd and the journal's `_SYSTEMD_UNIT` spell it.
    public var name: String { rawValue }
}
