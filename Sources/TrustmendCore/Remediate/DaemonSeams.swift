import FoundationEssentials

/// Follows the journal: entries of the given units from a saved cursor, or from `lookBack` ago when
/// there is none, then new entries as they are written. The stream ends when the task is cancelled.
public protocol JournalSource: Sendable {
    func follow(units: [String], after cursor: String?, lookBack: Duration) -> AsyncThrowingStream<LogRecord, any Error>
}

/// Follows log files with `tail -F` semantics, from saved offsets.
public protocol FileSource: Sendable {
    func follow(paths: [String], positions: [String: FilePosition]) -> AsyncThrowingStream<LogRecord, any Error>
}

/// Where a file reader stands: the file's identity and the offset after the last line handed out.
public struct FilePosition: Codable, Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var offset: UInt64

    public init(device: UInt64, inode: UInt64, offset: UInt64) {
        self.device = device
        self.inode = inode
        self.offset = offset
    }

    /// `LogRecord.position` for files: `path\tdevice:inode:offset`.
    public var encoded: String { "\(device):\(inode):\(offset)" }

    public init?(encoded: some StringProtocol) {
        let parts = encoded.split(separator: ":")
        guard parts.count == 3, let d = UInt64(parts[0]), let i = UInt64(parts[1]), let o = UInt64(parts[2]) else { return nil }
        self.init(device: d, inode: i, offset: o)
    }
}

/// What the daemon keeps across restarts, replaced atomically as a whole.
public struct DaemonState: Codable, Sendable, Hashable {
    public var journalCursor: String?
    public var files: [String: FilePosition]
    /// Approved repairs not yet carried out: re-queued after a crash.
    public var pending: [PendingRepair]
    /// Units owed a restart because trust changed: restarted after a crash.
    public var restartsOwed: [String]
    /// When each unit was last restarted by trustmend (wall clock: must survive a reboot).
    public var lastRestart: [String: Date]

    public init() {
        journalCursor = nil
        files = [:]
        pending = []
        restartsOwed = []
        lastRestart = [:]
    }
}

/// An approval as persisted.
public struct PendingRepair: Codable, Sendable, Hashable {
    public var host: String
    public var port: UInt16
    public var engine: String
    public var reason: String
    /// What the registry route needs to name the registry again after a crash.
    public var reference: String?
    public var path: String?

    public init(host: String, port: UInt16, engine: String, reason: String, reference: String? = nil, path: String? = nil) {
        self.host = host
        self.port = port
        self.engine = engine
        self.reason = reason
        self.reference = reference
        self.path = path
    }
}

public protocol StateStore: Sendable {
    func load() throws -> DaemonState
    func save(_ state: DaemonState) throws
}

/// Which systemd unit does the TLS for a failure an engine logged (FACTS §1), so that restarting it
/// reloads the roots. kubelet logs what the CRI runtime failed; `ctr`, `nerdctl`, podman, skopeo and
/// buildctl pull in their own short-lived process, which reads the new bundle by itself.
public enum EngineUnits {
    /// Every engine unit whose failure one approval answers (containerd and docker can both fail on one
    /// registry within a window: both are restarted), from the journal units that logged it.
    public static func units(for engine: String, loggedBy: Set<String>, runtime: String) -> [String] {
        if loggedBy.isEmpty { return unit(loggedBy: nil, engine: engine, runtime: runtime).map { [$0] } ?? [] }
        return Set(loggedBy.compactMap { unit(loggedBy: $0, engine: engine, runtime: runtime) }).sorted()
    }

    /// - Parameters:
    ///   - loggedBy: the journal's `_SYSTEMD_UNIT`, when the record came from the journal.
    ///   - engine: what the detector says printed the line.
    ///   - runtime: the CRI runtime unit in use (`containerd.service` or `crio.service`).
    public static func unit(loggedBy: String?, engine: String, runtime: String) -> String? {
        switch loggedBy {
        case "kubelet.service": return runtime
        case "containerd.service", "docker.service", "crio.service": return loggedBy
        default: break
        }
        switch engine {
        case "dockerd": return "docker.service"
        case "containerd", "kubelet", "crictl", "cri": return runtime
        case "crio", "cri-o": return "crio.service"
        default: return nil
        }
    }
}

/// Tells the service manager how the daemon is doing (sd_notify under systemd; nothing elsewhere).
public protocol ServiceNotifier: Sendable {
    func ready(status: String)
    func reloading()
    func stopping()
    func watchdog()
    /// How often the manager expects a watchdog ping; nil when it does not.
    var watchdogInterval: Duration? { get }
}
