/// A file a store read back before deleting it, so that a rollback can put it back as it was: its node
/// path, its bytes and its permission bits.
public struct SavedAnchorFile: Sendable, Hashable {
    public var path: String
    public var contents: [UInt8]
    public var mode: UInt32

    public init(path: String, contents: [UInt8], mode: UInt32 = 0o644) {
        self.path = path
        self.contents = contents
        self.mode = mode
    }
}
