import Glibc
import TrustmendCore

/// Collects output lines and writes them in large blocks.
struct OutputBuffer {
    var bytes: [UInt8] = []

    mutating func append(_ line: String) {
        bytes += line.utf8
        bytes.append(10)
        if bytes.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            offset += n
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
