/// The values of a TOML document: strings of the four kinds with their escapes, numbers, booleans,
/// dates, arrays and inline tables.
extension TOMLReader.Parser {
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

    /// One more array or inline table open; refused past `maxDepth`.
    mutating func enter() throws(TOMLError) {
        guard depth < Self.maxDepth else { throw fail("arrays and inline tables nest more than \(Self.maxDepth) deep") }
        depth += 1
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
        try enter()
        defer { depth -= 1 }
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
        try enter()
        defer { depth -= 1 }
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
}
