import Glibc
import TrustmendCore
import TrustmendPlatform

/// A monotonic deadline.
struct Deadline {
    let nanoseconds: UInt64

    init(after duration: Duration) {
        let (s, atto) = duration.components
        nanoseconds = Self.now() + UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, atto)) / 1_000_000_000
    }

    static func now() -> UInt64 { SystemClock.nanoseconds(CLOCK_MONOTONIC) }

    /// Milliseconds left for poll(2), 0 when passed.
    var remainingMilliseconds: Int32 {
        let now = Self.now()
        guard nanoseconds > now else { return 0 }
        return Int32(min((nanoseconds - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    var passed: Bool { Self.now() >= nanoseconds }
}
