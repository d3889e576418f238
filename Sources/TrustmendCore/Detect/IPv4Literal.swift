/// Dotted-quad IPv4, each part 0–255 without leading zeros.
public enum IPv4Literal {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        let parts = String(text).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let v = Int(part), v <= 255
            else { return false }
            return part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0")
        }
    }
}
