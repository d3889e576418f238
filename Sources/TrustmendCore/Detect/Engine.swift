/// Who printed a log line, as the detector tells it from the line's text (the process name journald or
/// syslog put before it, or the engine's own wording). Its raw value is what `scan --json` prints as
/// `engine` and what the daemon logs as `TRUSTMEND_ENGINE`.
public enum Engine: String, Sendable, Hashable, CaseIterable {
    /// containerd, or a CRI `PullImage` it served.
    case containerd
    /// dockerd (`Error response from daemon`, the legacy v1/v2 registry errors).
    case dockerd
    /// The kubelet, which logs what the CRI runtime failed.
    case kubelet
    /// CRI-O.
    case crio
    /// `crictl pull`.
    case crictl
    /// containerd's `ctr`.
    case ctr
    case nerdctl
    /// podman, or another tool on containers/image (skopeo, buildah), which words its errors the same.
    case podman
    /// BuildKit (`buildkitd`, `moby.buildkit`).
    case buildkit
    /// The docker CLI.
    case docker
    /// Nothing in the line names who printed it.
    case unknown
}
