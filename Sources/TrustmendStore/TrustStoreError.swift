import SystemPackage

/// A failure of the trust store: a file that cannot be written or read, or an update tool that failed.
public struct TrustStoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case write, read, delete, createDirectory, toolMissing, toolFailed, toolTimedOut, sandboxUnsupported
        case ledgerCorrupt, bundleMissing
    }

    public var code: Code
    public var path: String
    public var errno: Errno?
    /// The tool's output, or another detail.
    public var detail: String

    public init(_ code: Code, path: String, errno: Errno? = nil, detail: String = "") {
        self.code = code
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        let cause = errno.map { ": \($0)" } ?? ""
        let more = detail.isEmpty ? "" : ": \(detail)"
        switch code {
        case .write:
            let hint = errno == .readOnlyFileSystem ? " (the file system is read-only: is the unit's ReadWritePaths= missing it?)"
                : errno == .noSpace ? " (the disk is full)" : ""
            return "cannot write \(path)\(cause)\(hint)\(more)"
        case .read:
            let hint = errno == Syscalls.notRegular ? " (it is not a regular file: a FIFO, device or directory is never read)" : ""
            return "cannot read \(path)\(cause)\(hint)\(more)"
        case .delete: return "cannot delete \(path)\(cause)\(more)"
        case .createDirectory: return "cannot create the directory \(path)\(cause)\(more)"
        case .toolMissing: return "the update tool \(path) is not installed\(more)"
        case .toolFailed: return "\(path) failed\(more)"
        case .toolTimedOut: return "\(path) did not finish in time and was killed\(more)"
        case .sandboxUnsupported: return "\(path) cannot rebuild a bundle under a sandbox root\(more)"
        case .ledgerCorrupt: return "the ledger \(path) is not readable JSON\(more); move it aside to start a new one"
        case .bundleMissing: return "the bundle \(path) does not exist\(cause)\(more)"
        }
    }
}
