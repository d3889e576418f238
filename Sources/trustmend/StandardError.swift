import Glibc
import TrustmendCore

/// Writes to standard error without Foundation.
enum StandardError {
    static func write(_ text: String) {
        var line = Array(text.utf8)
        if line.last != 10 { line.append(10) }
        var offset = 0
        while offset < line.count {
            let n = line[offset...].withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}
