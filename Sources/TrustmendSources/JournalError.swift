import TrustmendPlatform
import Glibc
import TrustmendCore

/// Why the journal cannot be read.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case open, match, seek, read, wait }
    public var code: Code
    public var errno: Int32
    public var detail: String

    init(_ code: Code, errno: Int32, detail: String) {
        self.code = code
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        switch code {
        case .open:
            let hint = errno == EACCES ? " (run as root or in the systemd-journal group)" : ""
            return "cannot open the journal (\(detail)): \(reason)\(hint)"
        case .match: return "cannot filter the journal on \(detail): \(reason)"
        case .seek: return "cannot seek in the journal (\(detail)): \(reason)"
        case .read: return "cannot read the journal: \(reason)"
        case .wait: return "cannot wait for the journal (\(detail)): \(reason)"
        }
    }
}
