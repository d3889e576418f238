import Glibc
import TrustmendCore
import TrustmendPlatform

/// The libsystemd in use, for `--version`: the library file this process mapped.
public enum SystemdInfo {
    public static var version: String {
        guard let maps = fopen("/proc/self/maps", "r") else { return "libsystemd (unknown version)" }
        defer { fclose(maps) }
        var line = [CChar](repeating: 0, count: 4096)
        // strstr, not String.contains: this runs at every start (the --version text is built with the
        // command tree), and the generic search cost a millisecond of it.
        while fgets(&line, Int32(line.count), maps) != nil {
            guard strstr(line, "libsystemd.so") != nil, let slash = strchr(line, Int32(UInt8(ascii: "/"))) else { continue }
            if let newline = strchr(slash, Int32(UInt8(ascii: "\n"))) { newline.pointee = 0 }
            guard let real = realpath(slash, nil) else { return String(cString: slash) }
            defer { free(real) }
            return String(cString: real)
        }
        return "libsystemd (not loaded)"
    }
}
