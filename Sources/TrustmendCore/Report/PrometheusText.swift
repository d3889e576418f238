import FoundationEssentials

/// Prometheus's text exposition format (0.0.4), the one node_exporter's textfile collector reads: each
/// family a `# HELP` and a `# TYPE` line, then its samples, one a line; families never interleaved.
///
/// Label values are escaped (backslash, double quote, newline) and HELP text too (backslash, newline),
/// so no value can end its quotes or its line and forge a sample. Names are the callers' constants.
public struct PrometheusText: Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge
    }

    public private(set) var text = ""

    public init() {}

    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escape(help: help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(name: String, value: String)] = [], _ value: Int) {
        line(name, labels, String(value))
    }

    /// A Unix time in seconds, to the millisecond.
    public mutating func sample(_ name: String, _ labels: [(name: String, value: String)] = [], seconds date: Date) {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let fraction = String(abs(ms % 1000))
        let sign = ms < 0 && ms > -1000 ? "-" : ""
        line(name, labels, "\(sign)\(ms / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)")
    }

    private mutating func line(_ name: String, _ labels: [(name: String, value: String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.name)=\"\(Self.escape(labelValue: $0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    /// `\` → `\\`, `"` → `\"`, newline → `\n`: the format's three escapes in a label value.
    public static func escape(labelValue: String) -> String {
        var out = ""
        for c in labelValue.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `\` → `\\`, newline → `\n`: HELP text has no quotes to escape.
    public static func escape(help: String) -> String {
        var out = ""
        for c in help.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
