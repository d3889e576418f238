/// A parsed YAML document as plain values with their source lines, so configuration errors can name
/// the line. Produced by the libyaml adapter; anchors, aliases and tags are refused there.
public struct YAMLNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// A scalar's text; `plain` is false when it was quoted (a quoted "null" is a string).
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public struct Pair: Sendable, Hashable {
        public var key: YAMLNode
        public var value: YAMLNode
        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public var value: Value
    /// 1-based line of the node's start.
    public var line: Int

    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }

    /// A plain `null`, `~` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, true) = value { return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" }
        return false
    }
}
