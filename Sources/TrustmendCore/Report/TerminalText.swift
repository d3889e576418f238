/// Text that came from outside — a certificate's subject or issuer, a log line kept in the ledger — made
/// safe to print on an operator's terminal: control characters (C0, DEL, C1, which include the escape
/// sequences a terminal acts on) and the bidirectional overrides that reorder what is shown are written
/// as `\u{…}`. Everything else, other scripts included, is printed as it is. The CLI prints through it,
/// and the daemon's sentences (`EventSentence`) pass through it before they become a journal MESSAGE or
/// a line on stderr; the journal's fields keep the text as it came.
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true  // bidirectional controls
        default: false
        }
    }
}
