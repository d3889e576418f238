/// One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): a scheme and its parameters.
///
/// One header may hold several challenges (`Basic realm="x", Bearer realm="y"`), and a quoted value may
/// hold commas and escaped quotes (`scope="repository:a:pull,push"`), so the header is read token by
/// token, never split on commas.
public struct AuthChallenge: Sendable, Hashable {
    /// Lower case: schemes compare without case.
    public let scheme: String
    /// Parameter names in lower case, values as sent (unquoted, escapes undone).
    public let parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// Every challenge in one header value; what cannot be read ends the list (the challenges before it stay).
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == 32 || $0 == 9 || $0 == 44 }
            guard let scheme = scanner.token() else { break }
            var parameters: [String: String] = [:]
            while true {
                let mark = scanner.index
                scanner.skip { $0 == 32 || $0 == 9 || $0 == 44 }
                guard let name = scanner.token() else { break }
                scanner.skip { $0 == 32 || $0 == 9 }
                guard scanner.take(UInt8(ascii: "=")) else {
                    // A token without '=': the next challenge's scheme (or a token68 credential; not used here).
                    scanner.index = mark
                    break
                }
                scanner.skip { $0 == 32 || $0 == 9 }
                guard let value = scanner.quoted() ?? scanner.token() else { break }
                parameters[name.lowercased()] = value
            }
            challenges.append(AuthChallenge(scheme: scheme, parameters: parameters))
        }
        return challenges
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func skip(_ predicate: (UInt8) -> Bool) {
            while index < bytes.count && predicate(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// RFC 9110 tchar, plus '/' so that a token68-ish realm without quotes still reads whole.
        static func isTokenByte(_ b: UInt8) -> Bool {
            if (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) { return true }
            return Array("!#$%&'*+-.^_`|~/:".utf8).contains(b)
        }

        mutating func token() -> String? {
            let start = index
            skip(Self.isTokenByte)
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// A quoted string with backslash escapes; nil when there is no opening quote or no closing one.
        mutating func quoted() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            var cursor = index + 1
            var value: [UInt8] = []
            while cursor < bytes.count {
                let b = bytes[cursor]
                if b == UInt8(ascii: "\\"), cursor + 1 < bytes.count {
                    value.append(bytes[cursor + 1])
                    cursor += 2
                } else if b == UInt8(ascii: "\"") {
                    index = cursor + 1
                    return String(decoding: value, as: UTF8.self)
                } else {
                    value.append(b)
                    cursor += 1
                }
            }
            return nil
        }
    }
}
