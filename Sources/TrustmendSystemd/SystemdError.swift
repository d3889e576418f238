import Glibc

/// A failure talking to systemd over D-Bus.
public struct SystemdError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case connect, call, timeout }

    public var code: Code
    public var errno: Int32
    public var unit: String?
    public var detail: String
    /// The D-Bus error name (`org.freedesktop.systemd1.NoSuchUnit`), when the bus returned one.
    public var busError: String?
    public var busMessage: String?

    init(_ code: Code, errno: Int32 = 0, unit: String? = nil, detail: String, busError: String? = nil, busMessage: String? = nil) {
        self.code = code
        self.errno = errno
        self.unit = unit
        self.detail = detail
        self.busError = busError
        self.busMessage = busMessage
    }

    public var description: String {
        let cause = busError.map { "\($0): \(busMessage ?? "")" } ?? (errno != 0 ? String(cString: strerror(errno)) : "")
        switch code {
        case .connect:
            return "cannot connect to \(detail)\(cause.isEmpty ? "" : ": \(cause)") (is this a node booted with systemd, and am I root?)"
        case .call where [ECONNRESET, ENOTCONN, EPIPE].contains(errno):
            return "\(detail)\(unit.map { " of \($0)" } ?? "") failed: \(cause): the D-Bus connection was lost "
                + "(dbus-daemon or systemd restarted?), so whether it finished is unknown; check `systemctl status \(unit ?? "UNIT")`"
        case .call:
            return "\(detail)\(unit.map { " of \($0)" } ?? "") failed: \(cause)"
        case .timeout:
            return "\(unit ?? "the unit")'s \(detail) did not finish in time; check `journalctl -u \(unit ?? "UNIT")`"
        }
    }
}
