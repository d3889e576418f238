/// The configuration file's changes, for the reload service: a ConfigMap swapped by kubelet, a file
/// edited in place or replaced by a package.
public struct ConfigurationWatch: Sendable {
    /// The file, as the daemon was told it.
    public var path: String
    /// One element per burst of changes in the file's directory (`DirectoryWatcher`).
    public var changes: AsyncStream<Void>
    /// What the file reads now, through its links; nil when it cannot be read.
    public var content: @Sendable () -> [UInt8]?

    public init(path: String, changes: AsyncStream<Void>, content: @escaping @Sendable () -> [UInt8]?) {
        self.path = path
        self.changes = changes
        self.content = content
    }
}
