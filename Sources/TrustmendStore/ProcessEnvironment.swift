import Glibc
import Subprocess
import TrustmendCore

/// This process's environment, read without Foundation.
public enum ProcessEnvironment {
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    public static var all: [String: String] {
        var entries = [String]()
        var pointer = environ
        while let entry = pointer.pointee {
            entries.append(String(cString: entry))
            pointer += 1
        }
        return KeyValue.dictionary(entries)
    }
}
