/// This process's effective capabilities, as `/proc/self/status` lists them (`CapEff:`, hex).
enum Capabilities {
    /// CAP_SYS_CHROOT: what running the node's update tool in a host root needs.
    static let sysChroot = 18

    /// Whether capability `bit` is effective; nil when /proc cannot be read.
    static func effective(_ bit: Int) -> Bool? {
        guard let status = NodeFiles.readText("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let mask = UInt64(line.dropFirst("CapEff:".count).trimmingPrefix(while: \.isWhitespace), radix: 16) else { return nil }
            return mask & (1 << UInt64(bit)) != 0
        }
        return nil
    }
}
