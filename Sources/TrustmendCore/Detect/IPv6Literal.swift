/// RFC 4291 text form of IPv6, with an optional embedded IPv4 tail; zone IDs are refused.
public enum IPv6Literal {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        guard text.utf8.count >= 2, text.utf8.count <= 45 else { return false }
        let doubleColons = text.ranges(of: "::").count
        guard doubleColons <= 1 else { return false }
        var groups = String(text).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var needed = 8
        if let last = groups.last, last.contains(".") {
            guard IPv4Literal.isValid(last) else { return false }
            groups.removeLast()
            needed = 6
        }
        if doubleColons == 1 {
            // "::" yields empty strings at its place (and at the ends when it starts or ends the text).
            let nonEmpty = groups.filter { !$0.isEmpty }
            guard nonEmpty.count < needed else { return false }
            guard nonEmpty.allSatisfy(isGroup) else { return false }
            // Only the "::" itself may produce empty groups.
            let text = String(text)
            if text.hasPrefix(":") && !text.hasPrefix("::") { return false }
            if text.hasSuffix(":") && !text.hasSuffix("::") { return false }
            return true
        }
        return groups.count == needed && groups.allSatisfy(isGroup)
    }

    static func isGroup(_ g: String) -> Bool {
        (1...4).contains(g.utf8.count) && g.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
}
