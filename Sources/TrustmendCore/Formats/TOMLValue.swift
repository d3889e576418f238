/// A value of a TOML document; a document is the `.table` of its root.
public enum TOMLValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    /// Dates and times, as written.
    case datetime(String)
    case array([TOMLValue])
    case table([String: TOMLValue])

    public subscript(key: String) -> TOMLValue? {
        if case .table(let t) = self { return t[key] }
        return nil
    }

    /// The value at a path of keys (`["plugins", "io.containerd.grpc.v1.cri", "registry"]`).
    public func value(at path: [String]) -> TOMLValue? {
        var current: TOMLValue? = self
        for key in path { current = current?[key] }
        return current
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var integer: Int? {
        if case .integer(let i) = self { return i }
        return nil
    }

    public var array: [TOMLValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}
