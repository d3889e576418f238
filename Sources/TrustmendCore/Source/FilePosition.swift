/// Where a file reader stands: the file's identity and the offset after the last line handed out.
public struct FilePosition: Codable, Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var offset: UInt64

    public init(device: UInt64, inode: UInt64, offset: UInt64) {
        self.device = device
        self.inode = inode
        self.offset = offset
    }

    /// `LogRecord.position` for files: `path\tdevice:inode:offset`.
    public var encoded: String { "\(device):\(inode):\(offset)" }

    public init?(encoded: some StringProtocol) {
        let parts = encoded.split(separator: ":")
        guard parts.count == 3, let d = UInt64(parts[0]), let i = UInt64(parts[1]), let o = UInt64(parts[2]) else { return nil }
        self.init(device: d, inode: i, offset: o)
    }
}
