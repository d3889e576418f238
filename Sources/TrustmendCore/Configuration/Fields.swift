/// The keys of one mapping, taken one by one; `finish()` names the first key nobody took.
final class Fields {
    let node: YAMLNode
    let path: String
    var pairs: [YAMLNode.Pair]

    init(_ node: YAMLNode, path: String) throws(ConfigError) {
        guard case .mapping(let pairs) = node.value else {
            throw ConfigError(line: node.line, "\(path.isEmpty ? "the configuration" : String(path.dropLast())) must be a mapping of keys")
        }
        self.node = node
        self.path = path
        self.pairs = pairs
        var seen = Set<String>()
        for pair in pairs {
            guard case .scalar(let key, _) = pair.key.value else { continue }
            guard seen.insert(key).inserted else { throw ConfigError(line: pair.key.line, "\(path)\(key) is given twice") }
        }
    }

    func take(_ key: String) throws(ConfigError) -> YAMLNode? {
        guard let index = pairs.firstIndex(where: { if case .scalar(key, _) = $0.key.value { true } else { false } }) else { return nil }
        return pairs.remove(at: index).value
    }

    func finish() throws(ConfigError) {
        guard let pair = pairs.first, case .scalar(let key, _) = pair.key.value else { return }
        throw ConfigError(line: pair.key.line, "unknown key \"\(path)\(key)\"; see the configuration reference in README.md")
    }
}
