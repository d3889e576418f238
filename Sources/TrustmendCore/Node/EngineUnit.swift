/// The systemd units of the engines trustmend knows: the journal units it reads by default, the ones it
/// restarts and the kubelet, whose failures are the CRI runtime's. The one place their names are spelled.
public enum EngineUnit: String, Sendable, Hashable, CaseIterable {
    case containerd = "containerd.service"
    case docker = "docker.service"
    case kubelet = "kubelet.service"
    case crio = "crio.service"

    /// The unit's name, as systemd and the journal's `_SYSTEMD_UNIT` spell it.
    public var name: String { rawValue }

    /// Who printed a line this unit logged. The journal's `_SYSTEMD_UNIT` is the kernel's word, the line's
    /// text only the program's: containerd's resolver says "trying next host", which the text alone takes
    /// for `ctr`, and dockerd's token errors name no engine at all.
    public var engine: Engine {
        switch self {
        case .containerd: .containerd
        case .docker: .dockerd
        case .kubelet: .kubelet
        case .crio: .crio
        }
    }
}
