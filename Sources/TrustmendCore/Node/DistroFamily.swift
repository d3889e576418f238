/// One family of distributions that build the system trust bundle the same way.
public enum DistroFamily: String, Sendable, Hashable, CaseIterable, Codable {
    case debian, rhel, suse, alpine, arch, flatcar
}
