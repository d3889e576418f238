extension YAMLNode {
    func string(_ key: String) throws(ConfigError) -> String {
        guard case .scalar(let text, _) = value, !isNull else { throw ConfigError(line: line, "\(key) must be a single value") }
        return text
    }

    func bool(_ key: String) throws(ConfigError) -> Bool {
        switch try string(key) {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        case let other: throw ConfigError(line: line, "\(key) must be true or false, not \"\(other)\"")
        }
    }

    func integer(_ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string(key)
        guard let n = Int(text), range.contains(n) else {
            throw ConfigError(line: line, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return n
    }

    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, key: String) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string(key)
        guard let value = T(rawValue: text) else {
            let options = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError(line: line, "\(key) must be one of \(options), not \"\(text)\"")
        }
        return value
    }

    func list(_ key: String) throws(ConfigError) -> [YAMLNode] {
        if isNull { return [] }
        guard case .sequence(let items) = value else { throw ConfigError(line: line, "\(key) must be a list") }
        return items
    }

    func absolutePath(_ key: String) throws(ConfigError) -> String {
        let text = try string(key)
        guard text.hasPrefix("/"), !text.utf8.contains(0), !text.split(separator: "/").contains("..") else {
            throw ConfigError(line: line, "\(key) must be an absolute path without \"..\", not \"\(text)\"")
        }
        return text
    }

    /// `90`, `90s`, `500ms`, `10m`, `1h`, `1d`, or combinations like `1h30m`.
    func duration(_ key: String, min: Duration = .zero, max: Duration) throws(ConfigError) -> Duration {
        let text = try string(key)
        guard let d = DurationText.parse(text) else {
            throw ConfigError(line: line, "\(key) must be a duration like 30s, 10m or 1h, not \"\(text)\"")
        }
        guard d >= min, d <= max else { throw ConfigError(line: line, "\(key) must be between \(DurationText.format(min)) and \(DurationText.format(max))") }
        return d
    }
}
