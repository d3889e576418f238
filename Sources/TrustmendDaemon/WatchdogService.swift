import FoundationEssentials
import Logging
import ServiceLifecycle
import TrustmendCore

/// Pings the service manager's watchdog at half its interval, and writes the heartbeat file that
/// `trustmend health` reads (a pod has no service manager: its livenessProbe runs that command). Ends at
/// once when there is neither.
public struct WatchdogService: Service {
    let notifier: any ServiceNotifier
    let heartbeat: HeartbeatWriter?
    let logger: Logger?

    public init(notifier: any ServiceNotifier, heartbeat: HeartbeatWriter? = nil, logger: Logger? = nil) {
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.logger = logger
    }

    /// The tick: half the watchdog interval, and no longer than the heartbeat's.
    static func tick(watchdog: Duration?, heartbeat: Duration?) -> Duration? {
        [watchdog.map { $0 / 2 }, heartbeat].compactMap { $0 }.min()
    }

    public func run() async throws {
        guard let interval = Self.tick(watchdog: notifier.watchdogInterval, heartbeat: heartbeat?.interval) else {
            try? await gracefulShutdown()
            return
        }
        let pings = notifier.watchdogInterval != nil
        // Shutdown cancels the sleep: that is the normal end, not an error (an error would make the
        // service group, and so the process, fail at every stop).
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                if pings { notifier.watchdog() }
                if let heartbeat {
                    do {
                        try heartbeat.write(heartbeat.beat(at: Date()))
                        failing = false
                    } catch {
                        // Said once until a write works: the probe fails meanwhile, and says why not.
                        if !failing { logger?.warning("cannot write the heartbeat: \(error); trustmend health fails until it can") }
                        failing = true
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
