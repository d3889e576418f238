/// Which engine a repair should restart, as asked on the command line or in the config.
public enum RestartRequest: String, Sendable, Hashable, CaseIterable, Codable {
    case containerd, docker, auto, none
}
