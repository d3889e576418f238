import CSystemd
import Glibc
import TrustmendCore

/// sd_notify: readiness, status, reloads, stopping and the watchdog. Does nothing outside systemd
/// (`NOTIFY_SOCKET` unset), where sd_notify itself does nothing.
public struct SystemdNotifier: ServiceNotifier {
    public init() {}

    func send(_ state: String) { _ = sd_notify(0, state) }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    public func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)")
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
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let slash = text.firstIndex(of: "/"), text.contains("libsystemd.so") else { continue }
            let path = text[slash...].trimmingCharacters(in: "\n")
            guard let real = realpath(path, nil) else { return path }
            defer { free(real) }
            return String(cString: real)
        }
        return "libsystemd (not loaded)"
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let last = s.last, set.contains(last) { s.removeLast() }
        return String(s)
    }
}
