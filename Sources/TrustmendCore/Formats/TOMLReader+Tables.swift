/// The table walk: where a key or a `[table]`/`[[array table]]` header puts its value in the document,
/// and which redefinitions are errors.
extension TOMLReader.Parser {
    /// Walks `path` from `node`, making missing tables and going into the last table of an array of
    /// tables, and lets `leaf` change the value at the last key (nil when absent). False when a
    /// value that is not a table is in the way, or when `leaf` refuses.
    static func update(_ path: ArraySlice<String>, in node: inout TOMLValue, _ leaf: (inout TOMLValue?) -> Bool) -> Bool {
        guard case .table(var table) = node, let first = path.first else { return false }
        if path.count == 1 {
            guard leaf(&table[first]) else { return false }
        } else {
            var child = table[first] ?? .table([:])
            if case .array(var items) = child, var last = items.last {
                guard update(path.dropFirst(), in: &last, leaf) else { return false }
                items[items.count - 1] = last
                child = .array(items)
            } else {
                guard update(path.dropFirst(), in: &child, leaf) else { return false }
            }
            table[first] = child
        }
        node = .table(table)
        return true
    }

    /// Sets a value that was not set before.
    static func insert(_ value: TOMLValue, at path: ArraySlice<String>, into node: inout TOMLValue) -> Bool {
        update(path, in: &node) { slot in
            guard slot == nil else { return false }
            slot = value
            return true
        }
    }

    mutating func set(_ value: TOMLValue, at path: [String]) throws(TOMLError) {
        var node = TOMLValue.table(root)
        guard Self.insert(value, at: path[...], into: &node), case .table(let t) = node else {
            throw fail("the key \(path.joined(separator: ".")) is defined twice, or a value is in the way of it")
        }
        root = t
    }

    /// `[a.b]`: the table, made when absent.
    mutating func ensureTable(at path: [String]) throws(TOMLError) {
        var node = TOMLValue.table(root)
        let made = Self.update(path[...], in: &node) { slot in
            switch slot {
            case nil: slot = .table([:])
            case .table?: break
            case .array(let items)? where items.last.map({ if case .table = $0 { true } else { false } }) ?? false: break
            default: return false
            }
            return true
        }
        guard made, case .table(let t) = node else { throw fail("[\(path.joined(separator: "."))] names a key that holds a value") }
        root = t
    }

    /// `[[a.b]]`: one more table in the array.
    mutating func appendTable(at path: [String]) throws(TOMLError) {
        var node = TOMLValue.table(root)
        let made = Self.update(path[...], in: &node) { slot in
            switch slot {
            case nil: slot = .array([.table([:])])
            case .array(let items)?: slot = .array(items + [.table([:])])
            default: return false
            }
            return true
        }
        guard made, case .table(let t) = node else { throw fail("[[\(path.joined(separator: "."))]] is in the way of a value") }
        root = t
    }
}
