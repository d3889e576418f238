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

/// The libsystemd in use, for `--version`: the library file this process mapped.
public enum SystemdInfo {
    public static var version: String {
        guard let maps = fopen("/proc/self/maps", "r") else { return "libsystemd (unknown version)" }
        defer { fclose(maps) }
        var line = [CChar](repeating: 0, count: 4096)
        // strstr, not String.contains: this runs at every start (the --version text is built with the
        // command tree), and the generic search cost a millisecond of it.
        while fgets(&line, Int32(line.count), maps) != nil {
            guard strstr(line, "libsystemd.so") != nil, let slash = strchr(line, Int32(UInt8(ascii: "/"))) else { continue }
            if let newline = strchr(slash, Int32(UInt8(ascii: "\n"))) { newline.pointee = 0 }
            guard let real = realpath(slash, nil) else { return String(cString: slash) }
            defer { free(real) }
            return String(cString: real)
        }
        return "libsystemd (not loaded)"
    }
}
