import Glibc
import Synchronization
import TrustmendCore
import TrustmendPlatform

/// Reads, from the node, what decides whether each engine reads its `certs.d`: containerd's effective
/// configuration (the `--config` its running process was given, else `/etc/containerd/config.toml`,
/// with imports) and version, and docker's image store from `daemon.json`.
public struct EngineRouteFacts: Sendable {
    public var root: NodeRoot
    /// Override: where containerd's binary is (for `--version`, run only when the root is the host's).
    public var containerdBinaries: [String]
    /// How long `containerd --version` may take before its version counts as unknown.
    public var versionTimeout: Duration = .seconds(10)

    public static let defaultContainerdBinaries = ["/usr/bin/containerd", "/usr/local/bin/containerd", "/usr/sbin/containerd"]

    public init(root: NodeRoot = .host, containerdBinaries: [String] = Self.defaultContainerdBinaries) {
        self.root = root
        self.containerdBinaries = containerdBinaries
    }

    public init(root: String, containerdBinaries: [String] = Self.defaultContainerdBinaries) {
        self.init(root: NodeRoot(root), containerdBinaries: containerdBinaries)
    }

    /// A node path on this machine's disk, its links resolved inside the root.
    func onDisk(_ path: String) -> String { root.resolved(path) }

    /// Everything, with the containerd process's PID when it runs (0: not known).
    public func read(containerdPID: UInt32 = 0) async -> Details {
        let configFile = containerdConfigFile(pid: containerdPID)
        var details = Details(configFile: configFile)
        do {
            details.containerdConfig = try ContainerdRegistryConfig.load(
                path: configFile,
                read: { path in
                    guard case .success(let bytes) = Syscalls.readAll(onDisk(path), limit: 4 << 20) else { return nil }
                    return String(decoding: bytes, as: UTF8.self)
                },
                list: { directory in try? Syscalls.listDirectory(onDisk(directory)).get() })
        } catch {
            details.containerdError = "\(error)"
        }
        if let config = details.containerdConfig, let started = Self.processStart(pid: containerdPID) {
            details.changedSinceStart = config.files.filter { file in
                guard let st = Syscalls.status(onDisk(file)) else { return false }
                return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 > started
            }
        }
        details.containerdVersion = await containerdVersion()
        details.daemonJSON = DockerDaemonFile.read(root).config
        return details
    }

    /// When a process started, in seconds since the epoch, to a clock tick (10 ms): field 22 of
    /// `/proc/PID/stat` counts ticks after boot, and boot is now (CLOCK_REALTIME) less the time since
    /// boot (CLOCK_BOOTTIME). Nil for PID 0 or a process that cannot be read.
    static func processStart(pid: UInt32) -> Double? {
        guard pid > 0, case .success(let stat) = Syscalls.readAll("/proc/\(pid)/stat", limit: 4096),
            let close = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        // After the command name (which may hold spaces and parentheses): field 3 onwards.
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let ticks = Double(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        let boot = Double(Int64(SystemClock.nanoseconds(CLOCK_REALTIME)) - Int64(SystemClock.nanoseconds(CLOCK_BOOTTIME))) / 1e9
        return boot + ticks / Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    }

    /// `--config`/`-c` of the running containerd, from `/proc/PID/cmdline`; the default path otherwise.
    func containerdConfigFile(pid: UInt32) -> String {
        let fallback = "/etc/containerd/config.toml"
        guard pid > 0, root.isSystemRoot, case .success(let bytes) = Syscalls.readAll("/proc/\(pid)/cmdline", limit: 1 << 16) else { return fallback }
        let args = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        for (i, arg) in args.enumerated() {
            if (arg == "--config" || arg == "-c"), i + 1 < args.count, args[i + 1].hasPrefix("/") { return args[i + 1] }
            for prefix in ["--config=", "-c="] where arg.hasPrefix(prefix) {
                let value = String(arg.dropFirst(prefix.count))
                if value.hasPrefix("/") { return value }
            }
        }
        return fallback
    }

    /// `containerd --version`, run once per binary: the answer is kept while the file is the same
    /// (device, inode, size, modification time), so a package upgrade is seen and a batch of repairs
    /// does not start a process.
    ///
    /// Never under a sandbox root (`NodeRoot.mayExecute`): whatever is there may be anyone's, and `doctor --root DIR` would run
    /// `DIR/usr/bin/containerd` as root. The version is then not known, which the route facts take as the
    /// cautious case (a `config_path` list is not taken as covering; see `ContainerdCoverage`).
    func containerdVersion() async -> ContainerdVersion? {
        guard root.mayExecute else { return nil }
        guard let binary = containerdBinaries.first(where: { Syscalls.isExecutable(onDisk($0)) }) else { return nil }
        let path = onDisk(binary)
        let identity = Syscalls.status(path).map(BinaryIdentity.init)
        if let identity, let known = Self.versions.withLock({ $0[path] }), known.identity == identity { return known.version }
        // Under a host root the node's binary runs in the node's root, where its libraries are.
        let tool = root.isMountedHost
            ? UpdateTool(executable: binary, arguments: ["--version"], timeout: versionTimeout, chroot: root.path.string)
            : UpdateTool(executable: path, arguments: ["--version"], timeout: versionTimeout)
        guard let output = try? await tool.run() else { return nil }
        let version = ContainerdVersion(versionOutput: output)
        if let identity { Self.versions.withLock { $0[path] = (identity, version) } }
        return version
    }

    struct BinaryIdentity: Equatable {
        var device: UInt64, inode: UInt64, size: Int64, modified: Int, modifiedNanoseconds: Int

        init(_ st: Glibc.stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int64(st.st_size)
            modified = Int(st.st_mtim.tv_sec)
            modifiedNanoseconds = Int(st.st_mtim.tv_nsec)
        }
    }

    static let versions = Mutex<[String: (identity: BinaryIdentity, version: ContainerdVersion?)]>([:])

    public struct Details: Sendable {
        public var configFile: String
        public var containerdConfig: ContainerdRegistryConfig?
        public var containerdError: String?
        public var containerdVersion: ContainerdVersion?
        /// Configuration files modified after the running containerd started.
        public var changedSinceStart: [String] = []
        public var daemonJSON: DockerDaemonConfig?

        public var routeFacts: RouteFacts {
            let containerd: ContainerdCoverage
            if let config = containerdConfig {
                containerd = ContainerdCoverage(config: config, version: containerdVersion, changedSinceStart: changedSinceStart)
            } else {
                containerd = ContainerdCoverage(covered: false, why: containerdError ?? "its configuration cannot be read")
            }
            return RouteFacts(containerd: containerd, docker: DockerImageStore(daemonJSON: daemonJSON))
        }
    }
}
