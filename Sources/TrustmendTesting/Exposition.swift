/// Prometheus's text format (0.0.4) read back by its rules, and by those node_exporter's textfile
/// collector and `promtool check metrics` add: what a file trustmend writes is held to when promtool is
/// not at hand. Each broken rule throws with its line.
public struct Exposition: Sendable {
    public struct Sample: Hashable, Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Violation: Error, CustomStringConvertible {
        public var line: Int
        public var rule: String
        public var description: String { "line \(line): \(rule)" }
    }

    public private(set) var types: [String: String] = [:]
    public private(set) var helps: [String: String] = [:]
    public private(set) var samples: [Sample] = []

    /// The value of the series with exactly these labels; nil when there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    public init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Violation(line: 0, rule: "the file ends with a newline") }
        var current: String?  // the family being written
        var done = Set<String>()  // families already ended
        var labelNames: [String: Set<String>] = [:]
        var series = Set<String>()
        for (index, raw) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let n = index + 1
            let line = String(raw)
            func fail(_ rule: String) -> Violation { Violation(line: n, rule: rule) }
            func enter(_ family: String) throws {
                guard family != current else { return }
                guard !done.contains(family) else { throw fail("\(family): a family's lines are not interleaved with another's") }
                if let current { done.insert(current) }
                current = family
            }
            guard !line.isEmpty else { throw fail("no blank lines") }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["HELP", "TYPE"].contains(parts[1]) else { throw fail("only # HELP and # TYPE lines") }
                let name = parts[2]
                guard Self.isMetricName(name) else { throw fail("\(name) is a metric name") }
                try enter(name)
                guard !samples.contains(where: { Self.family(of: $0.name, types) == name }) else { throw fail("\(parts[1]) before the samples") }
                if parts[1] == "HELP" {
                    guard helps[name] == nil else { throw fail("one HELP per family") }
                    guard let help = Self.unescape(parts.count > 3 ? parts[3] : "", quotes: false) else { throw fail("HELP escapes only \\\\ and \\n") }
                    helps[name] = help
                } else {
                    guard types[name] == nil else { throw fail("one TYPE per family") }
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw fail("a known TYPE") }
                    types[name] = parts[3]
                }
                continue
            }
            var rest = Substring(line)
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
            guard Self.isMetricName(name) else { throw fail("a sample starts with a metric name") }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    let label = String(rest.prefix { $0 != "=" })
                    guard Self.isLabelName(label), !label.hasPrefix("__") else { throw fail("\(label) is a label name (not reserved)") }
                    rest = rest.dropFirst(label.count)
                    guard rest.hasPrefix("=\"") else { throw fail("a label's value is quoted") }
                    rest = rest.dropFirst(2)
                    var escaped = ""
                    while let c = rest.first, c != "\"" {
                        escaped.append(c)
                        rest = rest.dropFirst()
                        if c == "\\", let next = rest.first {
                            escaped.append(next)
                            rest = rest.dropFirst()
                        }
                    }
                    guard rest.first == "\"" else { throw fail("a label's value ends with a quote") }
                    rest = rest.dropFirst()
                    guard let value = Self.unescape(escaped, quotes: true) else { throw fail("a label value escapes only \\\\, \\\" and \\n") }
                    guard labels.updateValue(value, forKey: label) == nil else { throw fail("\(label) given twice") }
                    if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("labels are separated by commas") }
                }
                rest = rest.dropFirst()
            }
            guard rest.first == " " else { throw fail("one space before the value") }
            let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 1 else { throw fail("no timestamp (the textfile collector refuses them)") }
            guard let value = Double(fields[0]) ?? ["+Inf": .infinity, "-Inf": -.infinity, "NaN": .nan][String(fields[0])] else {
                throw fail("\(fields[0]) is a number")
            }
            let family = Self.family(of: name, types)
            try enter(family)
            guard let type = types[family], helps[family] != nil else { throw fail("\(name) has HELP and TYPE before its samples") }
            if type == "counter" || type == "gauge" { guard name == family else { throw fail("a \(type) sample is named as its family") } }
            let names = Set(labels.keys)
            guard labelNames.updateValue(names, forKey: name).map({ $0 == names }) ?? true else {
                throw fail("every sample of \(name) has the same label names (node_exporter refuses the file otherwise)")
            }
            guard series.insert(name + labels.sorted { $0.key < $1.key }.description).inserted else { throw fail("a series appears once") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        // promtool's lint: counters end in _total, nothing else does; an _info gauge is 1.
        for (name, type) in types {
            guard (type == "counter") == name.hasSuffix("_total") else { throw Violation(line: 0, rule: "\(name): a counter's name, and only a counter's, ends in _total") }
            for s in samples where s.name == name {
                if type == "counter" && !(s.value >= 0) { throw Violation(line: 0, rule: "\(name): counters are not negative") }
                if name.hasSuffix("_info") && s.value != 1 { throw Violation(line: 0, rule: "\(name): an info metric is 1") }
            }
        }
    }

    static func family(of sample: String, _ types: [String: String]) -> String {
        if types[sample] != nil { return sample }
        for suffix in ["_bucket", "_count", "_sum"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return sample
    }

    static func isMetricName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.enumerated().allSatisfy { i, c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" || (i > 0 && c >= "0" && c <= "9")
        }
    }

    static func isLabelName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.enumerated().allSatisfy { i, c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (i > 0 && c >= "0" && c <= "9")
        }
    }

    /// The text an escaped value stands for; nil when it has an escape the format does not know.
    static func unescape(_ s: String, quotes: Bool) -> String? {
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\" else {
                if quotes && c == "\"" { return nil }
                out.append(c)
                continue
            }
            switch it.next() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "\"" where quotes: out.append("\"")
            default: return nil
            }
        }
        return out
    }
}
