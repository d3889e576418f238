/// The registry settings of the configuration containerd runs with: its `config.toml` and every file it
/// imports, merged the way containerd merges them (FACTS §11).
///
/// containerd reads the main file, then its `imports`, then theirs, breadth first, each file once; a
/// plugin's table in a later file replaces the whole table of the earlier ones. A relative import is
/// relative to the importing file's directory, but a relative glob is matched against containerd's
/// working directory, `/` under systemd (all seen with containerd 1.6.20's `config dump`). Version 1 files say `plugins.cri`, version 2
/// `plugins."io.containerd.grpc.v1.cri"`, version 3 (containerd 2.x) `plugins."io.containerd.cri.v1.images"`;
/// each names the CRI image service, whose `registry.config_path` decides whether CRI pulls read
/// `/etc/containerd/certs.d`.
public struct ContainerdRegistryConfig: Sendable, Hashable {
    /// `registry.config_path` as the files set it; nil when none does.
    public var configPath: String?
    /// `use_local_image_pull` (containerd 2.1+): CRI pulls bypass the transfer service.
    public var useLocalImagePull: Bool
    /// The files read, in merge order.
    public var files: [String]
    /// The file the CRI plugin's table came from.
    public var criFile: String?

    public static let criPluginKeys = ["cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images"]

    public init(configPath: String? = nil, useLocalImagePull: Bool = false, files: [String] = [], criFile: String? = nil) {
        self.configPath = configPath
        self.useLocalImagePull = useLocalImagePull
        self.files = files
        self.criFile = criFile
    }

    /// Reads `path` and its imports through `read` (nil: the file does not exist) and `list` (a
    /// directory's entry names, for import globs). A missing main file is containerd's defaults.
    public static func load(
        path: String, read: (String) -> String?, list: (String) -> [String]?
    ) throws(ContainerdConfigError) -> ContainerdRegistryConfig {
        var result = ContainerdRegistryConfig()
        var pending = [path]
        var loaded = Set<String>()
        while !pending.isEmpty {
            let file = pending.removeFirst()
            guard loaded.insert(file).inserted, loaded.count <= 256 else { continue }
            guard let text = read(file) else {
                if file == path { return result }
                throw ContainerdConfigError(file: file, message: "it is imported but cannot be read")
            }
            let document: TOMLValue
            do { document = try TOMLReader.parse(text) } catch { throw ContainerdConfigError(file: file, message: "\(error)") }
            result.files.append(file)
            if let plugins = document["plugins"], case .table(let table) = plugins {
                for key in criPluginKeys {
                    guard let cri = table[key] else { continue }
                    result.criFile = file
                    result.configPath = cri.value(at: ["registry", "config_path"])?.string
                    result.useLocalImagePull = cri["use_local_image_pull"]?.bool ?? false
                }
            }
            let directory = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            for item in document["imports"]?.array ?? [] {
                guard let pattern = item.string else { throw ContainerdConfigError(file: file, message: "imports must be a list of paths") }
                let base = pattern.contains("*") ? "" : directory
                let absolute = pattern.hasPrefix("/") ? pattern : base + "/" + pattern
                pending += expand(absolute, list: list)
            }
        }
        return result
    }

    /// A glob in the last path component (`/etc/containerd/conf.d/*.toml`), sorted as Go's filepath.Glob.
    static func expand(_ pattern: String, list: (String) -> [String]?) -> [String] {
        guard pattern.contains("*") else { return [pattern] }
        var parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let name = String(parts.removeLast())
        let directory = parts.joined(separator: "/")
        return (list(directory) ?? []).filter { Wildcard.matches(name, $0) }.sorted().map { directory + "/" + $0 }
    }
}
