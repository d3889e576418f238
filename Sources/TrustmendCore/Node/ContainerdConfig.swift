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

/// containerd's version, from `containerd --version`.
public struct ContainerdVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// From `containerd containerd.io 1.7.27 05044ec…` or `containerd github.com/containerd/containerd 1.6.20~ds1 …`.
    public init?(versionOutput text: String) {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let w = word.hasPrefix("v") ? word.dropFirst() : word
            let parts = w.split(separator: ".")
            guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isNumber }) else { continue }
            self.init(major: major, minor: minor)
            return
        }
        return nil
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

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

public struct ContainerdConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var message: String

    public var description: String { "cannot read containerd's configuration \(file): \(message)" }
}

/// `*` and `?` in one path component.
enum Wildcard {
    static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8)
        let n = Array(name.utf8)
        var pi = 0, ni = 0, star = -1, mark = 0
        while ni < n.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == n[ni] {
                pi += 1
                ni += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ni
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ni = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
