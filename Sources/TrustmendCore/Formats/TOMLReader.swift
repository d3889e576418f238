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

        mutating func value() throws(TOMLError) -> TOMLValue {
            guard let c = peek else { throw fail("expected a value, found the end of the file") }
            switch c {
            case UInt8(ascii: "\""):
                if starts("\"\"\"") { return .string(try multilineBasic()) }
                return .string(try basicString())
            case UInt8(ascii: "'"):
                if starts("'''") { return .string(try multilineLiteral()) }
                return .string(try literalString())
            case UInt8(ascii: "["): return try arrayValue()
            case UInt8(ascii: "{"): return try inlineTable()
            default: return try scalar()
            }
        }

        func starts(_ text: String) -> Bool {
            let t = Array(text.utf8)
            return i + t.count <= bytes.count && Array(bytes[i..<(i + t.count)]) == t
        }

        mutating func scalar() throws(TOMLError) -> TOMLValue {
            let start = i
            while let c = peek, c != 10, c != 13, c != 32, c != 9, c != UInt8(ascii: ","), c != UInt8(ascii: "]"), c != UInt8(ascii: "}"),
                c != UInt8(ascii: "#")
            {
                i += 1
            }
            var text = String(decoding: bytes[start..<i], as: UTF8.self)
            while text.last == " " || text.last == "\t" { text.removeLast() }
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "": throw fail("expected a value")
            default: break
            }
            let plain = text.filter { $0 != "_" }
            if let n = Int(plain) { return .integer(n) }
            if plain.hasPrefix("0x"), let n = Int(plain.dropFirst(2), radix: 16) { return .integer(n) }
            if plain.hasPrefix("0o"), let n = Int(plain.dropFirst(2), radix: 8) { return .integer(n) }
            if plain.hasPrefix("0b"), let n = Int(plain.dropFirst(2), radix: 2) { return .integer(n) }
            if let d = Double(plain) { return .float(d) }
            if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(plain) { return .float(plain.hasSuffix("nan") ? .nan : plain.hasPrefix("-") ? -.infinity : .infinity) }
            if let first = text.first, first.isNumber, text.contains("-") || text.contains(":") { return .datetime(text) }
            throw fail("\"\(text.prefix(40))\" is not a TOML value (strings need quotes)")
        }

        mutating func basicString() throws(TOMLError) -> String {
            i += 1
            var out = [UInt8]()
            while true {
                guard let c = peek, c != 10 else { throw fail("a string is not closed on its line") }
                i += 1
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") { try escape(into: &out) } else { out.append(c) }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
            guard let e = peek else { throw fail("a string ends in a backslash") }
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "e"): out.append(27)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = e == UInt8(ascii: "u") ? 4 : 8
                guard i + count <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + count)], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw fail("a \\\(Character(UnicodeScalar(e))) escape needs \(count) hex digits of a Unicode scalar") }
                i += count
                out += Array(String(Character(scalar)).utf8)
            default: throw fail("unknown escape \\\(Character(UnicodeScalar(e))) in a string")
            }
        }

        mutating func literalString() throws(TOMLError) -> String {
            i += 1
            let start = i
            while let c = peek, c != UInt8(ascii: "'") {
                guard c != 10 else { throw fail("a string is not closed on its line") }
                i += 1
            }
            guard !atEnd else { throw fail("a string is not closed") }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            return text
        }

        mutating func multilineBasic() throws(TOMLError) -> String {
            i += 3
            if peek == 10 { i += 1; line += 1 } else if starts("\r\n") { i += 2; line += 1 }
            var out = [UInt8]()
            while true {
                guard let c = peek else { throw fail("a \"\"\" string is not closed") }
                if starts("\"\"\"") {
                    i += 3
                    // Up to two quotes may close the content.
                    while peek == UInt8(ascii: "\"") { out.append(34); i += 1 }
                    break
                }
                i += 1
                if c == 10 { line += 1 }
                if c == UInt8(ascii: "\\") {
                    // A line-ending backslash eats the newline and the white space after it.
                    var j = i
                    while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 || bytes[j] == 13 { j += 1 }
                    if j < bytes.count, bytes[j] == 10 {
                        i = j
                        while let w = peek, w == 32 || w == 9 || w == 10 || w == 13 { if w == 10 { line += 1 }; i += 1 }
                        continue
                    }
                    try escape(into: &out)
                } else {
                    out.append(c)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func multilineLiteral() throws(TOMLError) -> String {
            i += 3
            if peek == 10 { i += 1; line += 1 } else if starts("\r\n") { i += 2; line += 1 }
            let start = i
            while !starts("'''") {
                guard let c = peek else { throw fail("a ''' string is not closed") }
                if c == 10 { line += 1 }
                i += 1
            }
            var end = i
            i += 3
            while peek == UInt8(ascii: "'") { i += 1; end += 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func arrayValue() throws(TOMLError) -> TOMLValue {
            i += 1
            var items = [TOMLValue]()
            while true {
                skipBlank()
                guard let c = peek else { throw fail("an array is not closed with ']'") }
                if c == UInt8(ascii: "]") { i += 1; break }
                items.append(try value())
                skipBlank()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                skipBlank()
                guard !atEnd else { throw fail("an array is not closed with ']'") }
                guard peek == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array, found \(show(peek))") }
            }
            return .array(items)
        }

        mutating func inlineTable() throws(TOMLError) -> TOMLValue {
            i += 1
            var table = TOMLValue.table([:])
            skipSpaces()
            if peek == UInt8(ascii: "}") { i += 1; return table }
            while true {
                skipSpaces()
                let path = try keyPath()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw fail("expected '=' in an inline table") }
                i += 1
                skipSpaces()
                let v = try value()
                guard Self.insert(v, at: path[...], into: &table) else { throw fail("the key \(path.joined(separator: ".")) is defined twice") }
                skipSpaces()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an inline table, found \(show(peek))") }
                i += 1
                return table
            }
        }

        /// Walks `path` from `node`, making missing tables and going into the last table of an array of
        /// tables, and lets `leaf` change the value at the last key (nil when absent). False when a
        /// value that is not a table is in the way, or when `leaf` refuses.
        static func update(_ path: ArraySlice<String>, in node: inout TOMLValue, _ leaf: (inout TOMLValue?) -> Bool) -> Bool {
            guard case .table(var table) = node, let first = path.first else { return false }
            if path.count == 1 {
                guard leaf(&table[first]) else { return false }
            } else {
                var child = table[first] ?? .table([:])
                if case .array(var items) = child, var last = items.last {
                    guard update(path.dropFirst(), in: &last, leaf) else { return false }
                    items[items.count - 1] = last
                    child = .array(items)
                } else {
                    guard update(path.dropFirst(), in: &child, leaf) else { return false }
                }
                table[first] = child
            }
            node = .table(table)
            return true
        }

        /// Sets a value that was not set before.
        static func insert(_ value: TOMLValue, at path: ArraySlice<String>, into node: inout TOMLValue) -> Bool {
            update(path, in: &node) { slot in
                guard slot == nil else { return false }
                slot = value
                return true
            }
        }

        mutating func set(_ value: TOMLValue, at path: [String]) throws(TOMLError) {
            var node = TOMLValue.table(root)
            guard Self.insert(value, at: path[...], into: &node), case .table(let t) = node else {
                throw fail("the key \(path.joined(separator: ".")) is defined twice, or a value is in the way of it")
            }
            root = t
        }

        /// `[a.b]`: the table, made when absent.
        mutating func ensureTable(at path: [String]) throws(TOMLError) {
            var node = TOMLValue.table(root)
            let made = Self.update(path[...], in: &node) { slot in
                switch slot {
                case nil: slot = .table([:])
                case .table?: break
                case .array(let items)? where items.last.map({ if case .table = $0 { true } else { false } }) ?? false: break
                default: return false
                }
                return true
            }
            guard made, case .table(let t) = node else { throw fail("[\(path.joined(separator: "."))] names a key that holds a value") }
            root = t
        }

        /// `[[a.b]]`: one more table in the array.
        mutating func appendTable(at path: [String]) throws(TOMLError) {
            var node = TOMLValue.table(root)
            let made = Self.update(path[...], in: &node) { slot in
                switch slot {
                case nil: slot = .array([.table([:])])
                case .array(let items)?: slot = .array(items + [.table([:])])
                default: return false
                }
                return true
            }
            guard made, case .table(let t) = node else { throw fail("[[\(path.joined(separator: "."))]] is in the way of a value") }
            root = t
        }
    }
}
