import Synchronization
import TrustmendCore

/// Records what the daemon tells the service manager, in order (`READY=1`, `RELOADING=1`, …).
public final class FakeServiceNotifier: ServiceNotifier {
    private let sent = Mutex<[String]>([])
    public let watchdogInterval: Duration?

    public init(watchdogInterval: Duration? = nil) { self.watchdogInterval = watchdogInterval }

    /// The notifications so far, as sd_notify would carry them.
    public var notifications: [String] { sent.withLock { $0 } }

    public func ready(status: String) { sent.withLock { $0 += ["READY=1", "STATUS=\(status)"] } }
    public func reloading() { sent.withLock { $0.append("RELOADING=1") } }
    public func stopping() { sent.withLock { $0.append("STOPPING=1") } }
    public func watchdog() { sent.withLock { $0.append("WATCHDOG=1") } }
}
