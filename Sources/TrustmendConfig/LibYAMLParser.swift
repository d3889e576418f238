import CYAML
import TrustmendCore

/// Parses YAML text with libyaml's event API into a `YAMLNode` tree.
///
/// The configuration needs none of YAML's graph features, and aliases are how "billion laughs" documents
/// blow up, so anchors, aliases, explicit tags and multiple documents are errors. Nesting is capped.
public enum LibYAMLParser {
    public static let maxDepth = 32

    /// The document's root node, or nil for an empty document.
    public static func parse(_ text: String) throws(ConfigError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw ConfigError(line: 0, "libyaml could not start") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(ConfigError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder()
            var documents = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
                    throw ConfigError(line: Int(parser.problem_mark.line) + 1, "not valid YAML: \(problem)")
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return builder.root
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 { throw ConfigError(line: line, "only one YAML document is allowed (found a second '---')") }
                case YAML_ALIAS_EVENT:
                    throw ConfigError(line: line, "YAML aliases (*name) are not allowed in the configuration")
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    try check(anchor: scalar.anchor, tag: scalar.tag, implicit: scalar.plain_implicit == 1 || scalar.quoted_implicit == 1, line: line)
                    let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    try builder.add(YAMLNode(.scalar(value, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), line: line))
                case YAML_SEQUENCE_START_EVENT:
                    try check(anchor: event.data.sequence_start.anchor, tag: event.data.sequence_start.tag, implicit: event.data.sequence_start.implicit == 1, line: line)
                    try builder.open(.sequence([]), line: line)
                case YAML_MAPPING_START_EVENT:
                    try check(anchor: event.data.mapping_start.anchor, tag: event.data.mapping_start.tag, implicit: event.data.mapping_start.implicit == 1, line: line)
                    try builder.open(.mapping([]), line: line)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    try builder.close()
                default:
                    continue
                }
            }
        }
    }

    static func check(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, implicit: Bool, line: Int) throws(ConfigError) {
        if anchor != nil { throw ConfigError(line: line, "YAML anchors (&name) are not allowed in the configuration") }
        if tag != nil && !implicit { throw ConfigError(line: line, "YAML tags (!tag) are not allowed in the configuration") }
    }

    /// Assembles nodes from the event stream; mappings collect keys and values alternately.
    struct Builder {
        var stack: [(node: YAMLNode, pendingKey: YAMLNode?)] = []
        var root: YAMLNode?

        mutating func open(_ value: YAMLNode.Value, line: Int) throws(ConfigError) {
            guard stack.count < LibYAMLParser.maxDepth else { throw ConfigError(line: line, "the configuration is nested deeper than \(LibYAMLParser.maxDepth) levels") }
            stack.append((YAMLNode(value, line: line), nil))
        }

        mutating func close() throws(ConfigError) {
            guard let (node, _) = stack.popLast() else { return }
            try add(node)
        }

        mutating func add(_ node: YAMLNode) throws(ConfigError) {
            guard var top = stack.popLast() else {
                root = node
                return
            }
            switch top.node.value {
            case .sequence(var items):
                items.append(node)
                top.node.value = .sequence(items)
            case .mapping(var pairs):
                if let key = top.pendingKey {
                    pairs.append(YAMLNode.Pair(key: key, value: node))
                    top.pendingKey = nil
                    top.node.value = .mapping(pairs)
                } else {
                    guard case .scalar = node.value else { throw ConfigError(line: node.line, "a mapping key must be a plain word") }
                    top.pendingKey = node
                }
            case .scalar:
                break
            }
            stack.append(top)
        }
    }
}
