import ServiceLifecycle
import TrustmendCore

/// Pings the service manager's watchdog at half its interval; nothing when there is none.
public struct WatchdogService: Service {
    let notifier: any ServiceNotifier

    public init(notifier: any ServiceNotifier) { self.notifier = notifier }

    public func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            return
        }
        // Shutdown cancels the sleep: that is the normal end, not an error (an error would make the
        // service group, and so the process, fail at every stop).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                notifier.watchdog()
                try? await Task.sleep(for: interval / 2)
            }
        }
    }
}
