import SystemPackage
import TrustmendCore

/// `trustmend.prom` on the node's disk, for node_exporter's textfile collector: replaced atomically
/// (`AtomicFile`: a temporary file in the same directory, fsync, rename, mode 0644), so the collector
/// never reads half a file; the temporary file's name does not end in `.prom`, so it is never read.
public struct TextfileMetricsPublisher: MetricsPublisher {
    let root: NodeRoot

    /// - Parameter root: the node's root (`--root`); directories are node paths under it.
    public init(root: String) { self.root = NodeRoot(root) }

    /// - Parameter root: the node's root; under a host root the collector directory is the node's
    ///   (`/var/lib/prometheus/node-exporter` looked up, links and all, inside the root).
    public init(root: NodeRoot) { self.root = root }

    public func directoryExists(_ directory: String) -> Bool { Syscalls.isDirectory(root.resolved(directory)) }

    /// Throws `TrustStoreError` `.write` with the errno; a read-only file system is explained (under the
    /// unit's `ProtectSystem=strict`, a directory is writable only when it existed at trustmend's start
    /// or is listed in `ReadWritePaths=`).
    public func publish(_ text: String, in directory: String) throws {
        let path = file(in: directory)
        do {
            try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
        } catch let error where error.errno == .readOnlyFileSystem {
            throw TrustStoreError(
                .write, path: path, errno: error.errno,
                detail: "a directory made after trustmend started stays read-only to it until it restarts; another directory needs "
                    + "ReadWritePaths= in a drop-in for trustmend.service")
        }
    }

    public func withdraw(from directory: String) throws {
        try AtomicFile.remove(file(in: directory))
    }

    func file(in directory: String) -> String {
        let onDisk = root.resolved(directory)
        return (onDisk.hasSuffix("/") ? onDisk : onDisk + "/") + Configuration.metricsFileName
    }
}
