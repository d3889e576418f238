extension Configuration {
    /// Where Debian's prometheus-node-exporter reads its textfile collector's files, and the default of
    /// `metrics.textfile_directory`.
    public static let debianTextfileDirectory = "/var/lib/prometheus/node-exporter"
    /// The file's name: the collector reads `*.prom` only, so a temporary file beside it is never read.
    public static let metricsFileName = "trustmend.prom"

    /// The directory to write `trustmend.prom` into now, nil for none: metrics are off (`""`), or the
    /// directory is the default and not there (no node_exporter: nothing to write and nothing to say).
    /// A directory the operator named is returned whether or not it exists: writing there then fails,
    /// and says so.
    public func metricsDirectory(exists: (String) -> Bool) -> String? {
        let directory = metricsTextfileDirectory
        if directory.isEmpty { return nil }
        if directory == Self.debianTextfileDirectory && !exists(directory) { return nil }
        return directory
    }
}
