/// Why a host or port was refused.
public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case badHost(String, String)
    case badPort(String)

    public var description: String {
        switch self {
        case .empty: "the host is empty"
        case .tooLong(let n): "the host is \(n) bytes long; a DNS name has at most 253"
        case .badHost(let host, let why): "refusing host \(Self.quote(host)): \(why)"
        case .badPort(let port): "refusing port \(Self.quote(port)): a port is a number from 1 to 65535"
        }
    }

    /// Quotes hostile text for a log line: printable ASCII kept, everything else escaped, length capped.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8.prefix(80) { out += show(byte, quoted: false) }
        if text.utf8.count > 80 { out += "…" }
        return out + "\""
    }

    static func show(_ byte: UInt8, quoted: Bool = true) -> String {
        if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
            let s = String(UnicodeScalar(byte))
            return quoted ? "'\(s)'" : s
        }
        let hex = String(byte, radix: 16, uppercase: true)
        let s = "\\x" + (hex.count == 1 ? "0" + hex : hex)
        return quoted ? "'\(s)'" : s
    }
}
