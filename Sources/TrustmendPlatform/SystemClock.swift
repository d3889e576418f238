import Glibc

/// The kernel's clocks (clock_gettime(2)), read in one place for the adapters' C-facing deadlines and
/// timestamps: sd-bus and sd-journal speak CLOCK_MONOTONIC microseconds, sd_notify wants MONOTONIC_USEC.
public enum SystemClock {
    /// `clock` now, in nanoseconds. CLOCK_MONOTONIC and CLOCK_BOOTTIME start at boot, CLOCK_REALTIME at the epoch.
    public static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `clock` now, in microseconds.
    public static func microseconds(_ clock: clockid_t) -> UInt64 { nanoseconds(clock) / 1000 }
}
