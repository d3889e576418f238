/// Whether CRI pulls read `/etc/containerd/certs.d`, and why.
public struct ContainerdCoverage: Sendable, Hashable {
    public var covered: Bool
    public var why: String

    public init(covered: Bool, why: String) {
        self.covered = covered
        self.why = why
    }

    public static let certsDirectory = RegistryEngine.containerd.certsDirectory
    /// containerd 2.2's default `config_path`.
    public static let defaultList22 = "/etc/containerd/certs.d:/etc/docker/certs.d"

    /// The decision from the merged configuration and the version (nil: unknown).
    ///
    /// Up to 2.1 `config_path` is empty by default: CRI pulls read no `certs.d`. 2.2 defaults to a
    /// colon list. From 2.1, CRI pulls go through the transfer service unless `use_local_image_pull`
    /// is set, and the transfer service takes the whole value as one directory (containerd#12808), so a
    /// list covers nothing there. With the version unknown, a list is taken as not covered.
    /// `changedSinceStart`: configuration files modified after the running containerd started. It read
    /// its configuration once, at start, so what they say now is not what it does: not covered.
    public init(config: ContainerdRegistryConfig, version: ContainerdVersion?, changedSinceStart: [String] = []) {
        if !changedSinceStart.isEmpty {
            self.init(
                covered: false,
                why: "\(changedSinceStart.joined(separator: ", ")) changed after containerd started; it reads its configuration "
                    + "only at start, so restart containerd once to apply it")
            return
        }
        let source = config.criFile.map { "in \($0)" } ?? "(containerd's default)"
        let configured = config.configPath ?? ""
        var value = configured
        if configured.isEmpty {
            guard let version, version >= ContainerdVersion(major: 2, minor: 2) else {
                let v = version.map { " \($0)" } ?? ""
                self.init(covered: false, why: "config_path is not set \(source), so CRI pulls of containerd\(v) read no certs.d")
                return
            }
            value = Self.defaultList22
        }
        let shown = configured.isEmpty ? "config_path defaults to \"\(value)\"" : "config_path = \"\(value)\" \(source)"
        let transfer = !config.useLocalImagePull && (version == nil || version! >= ContainerdVersion(major: 2, minor: 1))
        let directories = value.contains(":") && !transfer ? value.split(separator: ":").map(String.init) : [value]
        let normalized = directories.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if normalized.contains(Self.certsDirectory) {
            self.init(covered: true, why: "\(shown): CRI pulls read \(Self.certsDirectory)")
        } else if value.contains(":") && transfer {
            let v = version.map { "containerd \($0)" } ?? "containerd (version unknown)"
            self.init(covered: false, why: "\(shown) is a list, which the transfer service of \(v) reads as one directory (containerd#12808); "
                + "set config_path = \"\(Self.certsDirectory)\" or use_local_image_pull = true")
        } else {
            self.init(covered: false, why: "\(shown) does not include \(Self.certsDirectory)")
        }
    }
}
