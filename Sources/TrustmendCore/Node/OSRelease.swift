/// The fields of `/etc/os-release` that choose a distro family.
///
/// Parsing follows os-release(5): `KEY=value` lines, values optionally in double or single quotes, with
/// backslash escapes inside double quotes; blank lines and `#` comments are skipped; malformed lines are
/// ignored, as systemd does. `ID` and `ID_LIKE` are compared without case (openEuler writes `"openEuler"`).
public struct OSRelease: Sendable, Hashable {
    public var fields: [String: String]

    public init(fields: [String: String]) { self.fields = fields }

    public init(parsing text: String) {
        var fields = [String: String]()
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingSpaces
            guard !line.isEmpty, line.first != "#", let (rawKey, value) = KeyValue.split(line) else { continue }
            let key = String(rawKey)
            guard !key.isEmpty, key.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
            else { continue }
            fields[key] = Self.unquote(value)
        }
        self.fields = fields
    }

    /// `ID`, lower-cased; empty when absent.
    public var id: String { fields["ID"]?.lowercased() ?? "" }
    /// `ID_LIKE`, lower-cased, split on spaces.
    public var idLike: [String] { (fields["ID_LIKE"] ?? "").lowercased().split(separator: " ").map(String.init) }
    public var prettyName: String { fields["PRETTY_NAME"] ?? fields["NAME"] ?? (id.isEmpty ? "unknown" : id) }
    public var versionID: String? { fields["VERSION_ID"] }

    static func unquote(_ raw: Substring) -> String {
        guard let first = raw.first, first == "\"" || first == "'" else { return String(raw) }
        var out = ""
        var escaped = false
        for ch in raw.dropFirst() {
            if escaped {
                out.append(ch)
                escaped = false
            } else if ch == "\\" && first == "\"" {
                escaped = true
            } else if ch == first {
                break
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
