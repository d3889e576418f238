/// Where the daemon's metrics go: `trustmend.prom` in a directory node_exporter's textfile collector
/// reads. Directories are node paths (the adapter maps them under `--root`).
public protocol MetricsPublisher: Sendable {
    /// Whether the directory is there.
    func directoryExists(_ directory: String) -> Bool

    /// Replaces `trustmend.prom` in `directory` with `text` atomically: a scrape reads the old file or
    /// the new one, never half of one. Throws what the write met (no such directory, a read-only file
    /// system, permission denied).
    func publish(_ text: String, in directory: String) throws

    /// Removes `trustmend.prom` from `directory`. No file there is not an error.
    func withdraw(from directory: String) throws
}
