/// `KEY=value` text: an environment entry (a unit's `Environment=`, `/proc/PID/environ`, this process's
/// `environ`) or an os-release(5) line. The key ends at the first `=`; the value may hold more.
public enum KeyValue {
    /// The key and the value of one entry; nil when it has no `=`.
    public static func split<S: StringProtocol>(_ entry: S) -> (key: S.SubSequence, value: S.SubSequence)? {
        guard let eq = entry.firstIndex(of: "=") else { return nil }
        return (entry[..<eq], entry[entry.index(after: eq)...])
    }

    /// Entries as a dictionary, as a process sees its environment: entries without `=` are skipped and
    /// a later entry replaces an earlier one of the same key.
    public static func dictionary(_ entries: some Sequence<String>) -> [String: String] {
        var result = [String: String]()
        for entry in entries {
            guard let (key, value) = split(entry) else { continue }
            result[String(key)] = String(value)
        }
        return result
    }
}
