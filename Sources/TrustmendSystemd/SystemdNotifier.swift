import CSystemd
import Glibc
import TrustmendCore
import TrustmendPlatform

/// sd_notify: readiness, status, reloads, stopping and the watchdog. Does nothing outside systemd
/// (`NOTIFY_SOCKET` unset), where sd_notify itself does nothing.
public struct SystemdNotifier: ServiceNotifier {
    public init() {}

    func send(_ state: String) { _ = sd_notify(0, state) }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(SystemClock.microseconds(CLOCK_MONOTONIC))")
    }

    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }
}
