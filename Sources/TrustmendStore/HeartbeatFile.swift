import Glibc
import TrustmendCore

/// The daemon's heartbeat in its state directory (`Heartbeat`), written whole or not at all.
public enum HeartbeatFile {
    /// `heartbeat` in `stateDirectory`.
    public static func path(in stateDirectory: String) -> String { stateDirectory + "/" + Heartbeat.fileName }

    /// Replaces the file atomically: a probe never reads half of one. Not fsync'ed: it says how things
    /// stand now, which a power loss makes moot, and a busy disk must not hold up the watchdog. Throws `TrustStoreError` (`.write`)
    /// with the errno (a read-only or full file system, a missing state directory).
    public static func write(_ beat: Heartbeat, in stateDirectory: String) throws(TrustStoreError) {
        try AtomicFile.write(Array(beat.text.utf8), to: path(in: stateDirectory), mode: 0o644, durable: false)
    }

    /// The file's text; nil when there is none or it cannot be read. Not followed through a link, and a
    /// FIFO in its place is refused at once (the probe must never block).
    public static func read(in stateDirectory: String) -> String? {
        guard case .success(let bytes) = Syscalls.readAll(path(in: stateDirectory), limit: 4096, flags: O_NOFOLLOW) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
