/// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped), enough to compare and match networks.
struct IPAddress: Hashable {
    let bytes: [UInt8]
    let isV4: Bool

    init?(_ text: String) {
        if IPv4Literal.isValid(text) {
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + text.split(separator: ".").map { UInt8($0)! }
            isV4 = true
            return
        }
        guard IPv6Literal.isValid(text) else { return nil }
        var text = text
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            // An embedded IPv4 tail is two more groups.
            let v4 = text[text.index(after: lastColon)...].split(separator: ".").map { UInt16($0)! }
            text = String(text[...lastColon]) + String(v4[0] << 8 | v4[1], radix: 16) + ":" + String(v4[2] << 8 | v4[3], radix: 16)
        }
        func parse(_ part: Substring) -> [UInt16] { part.split(separator: ":").map { UInt16($0, radix: 16)! } }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        var groups: [UInt16]
        if halves.count == 2 {
            let head = parse(halves[0]), rest = parse(halves[1])
            groups = head + [UInt16](repeating: 0, count: max(0, 8 - head.count - rest.count)) + rest
        } else {
            groups = parse(text[...])
        }
        guard groups.count == 8 else { return nil }
        bytes = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        isV4 = false
    }

    var isLoopback: Bool {
        if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff][...] { return bytes[12] == 127 }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}
