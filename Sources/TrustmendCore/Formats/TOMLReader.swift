/// A reader for the TOML that containerd's configuration files use: tables and array tables with
/// bare, basic and literal keys, dotted keys, strings (basic, literal, multi-line), integers, floats,
/// booleans, dates (kept as text), arrays and inline tables, comments.
///
/// The TOML library on this machine's package list (LebJe/TOMLKit) does not resolve offline (its
/// test dependency is not carried), and trustmend only ever reads TOML: it never rewrites an
/// operator's file. Errors name the line.
public enum TOMLReader {
    /// Parses a document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLValue {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.document()
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0
        var line = 1
        var root: [String: TOMLValue] = [:]
        /// Tables defined by a header or implicitly by one, so a second `[a]` is an error.
        var defined = Set<[String]>()
        /// Arrays and inline tables open around the value being read: the reader recurses into each, so
        /// a file nesting thousands deep would exhaust the stack (a crash of doctor and of the daemon at
        /// every batch); past `maxDepth` it is an error instead. Real configurations nest a few levels.
        var depth = 0
        static let maxDepth = 64

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpaces() {
            while let c = peek, c == 32 || c == 9 { i += 1 }
        }

        mutating func skipComment() {
            if peek == UInt8(ascii: "#") { while let c = peek, c != 10 { i += 1 } }
        }

        /// White space, newlines and comments (inside arrays, between statements).
        mutating func skipBlank() {
            while let c = peek {
                if c == 32 || c == 9 || c == 13 { i += 1 } else if c == 10 { i += 1; line += 1 } else if c == UInt8(ascii: "#") { skipComment() } else { return }
            }
        }

        mutating func endOfLine() throws(TOMLError) {
            skipSpaces()
            skipComment()
            if peek == 13 { i += 1 }
            guard atEnd || peek == 10 else { throw fail("unexpected text after a value: \(show(peek))") }
            if !atEnd { i += 1; line += 1 }
        }

        func show(_ byte: UInt8?) -> String {
            guard let byte else { return "the end of the file" }
            return byte >= 0x20 && byte < 0x7f ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        }

        mutating func document() throws(TOMLError) -> TOMLValue {
            var current: [String] = []
            while true {
                skipBlank()
                guard let c = peek else { break }
                if c == UInt8(ascii: "[") {
                    i += 1
                    let arrayTable = peek == UInt8(ascii: "[")
                    if arrayTable { i += 1 }
                    skipSpaces()
                    let path = try keyPath()
                    skipSpaces()
                    guard peek == UInt8(ascii: "]") else { throw fail("a table header must end with ']'") }
                    i += 1
                    if arrayTable {
                        guard peek == UInt8(ascii: "]") else { throw fail("an array-of-tables header must end with ']]'") }
                        i += 1
                        try appendTable(at: path)
                    } else {
                        guard defined.insert(path).inserted else { throw fail("the table [\(path.joined(separator: "."))] is defined twice") }
                        try ensureTable(at: path)
                    }
                    current = path
                    try endOfLine()
                } else {
                    let path = try keyPath()
                    skipSpaces()
                    guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after the key \(path.joined(separator: "."))") }
                    i += 1
                    skipSpaces()
                    let value = try value()
                    try set(value, at: current + path)
                    try endOfLine()
                }
            }
            return .table(root)
        }

        mutating func keyPath() throws(TOMLError) -> [String] {
            var path = [try key()]
            skipSpaces()
            while peek == UInt8(ascii: ".") {
                i += 1
                skipSpaces()
                path.append(try key())
                skipSpaces()
                // Tables are made along the path recursively, like nested values.
                guard path.count <= Self.maxDepth else { throw fail("a key has more than \(Self.maxDepth) dotted parts") }
            }
            return path
        }

        mutating func key() throws(TOMLError) -> String {
            guard let c = peek else { throw fail("expected a key, found the end of the file") }
            if c == UInt8(ascii: "\"") { return try basicString() }
            if c == UInt8(ascii: "'") { return try literalString() }
            let start = i
            while let c = peek, isBare(c) { i += 1 }
            guard i > start else { throw fail("expected a key, found \(show(c))") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        func isBare(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
    }
}
