/// Why the configuration file was not read: the daemon exits 78 (EX_CONFIG) with it at start, keeps the
/// running configuration with it on reload, and the CLI exits 78 with it.
public struct ConfigurationFileError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// `--config` named a file that does not exist.
        case missing
        /// A symbolic link, a directory, a FIFO or a device.
        case notRegular
        /// It, or a directory above it, could be changed by someone other than root (`OwnershipRule`).
        case untrusted
        case unreadable
    }

    public var code: Code
    public var path: String
    public var detail: String

    public init(_ code: Code, path: String, _ detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    public var description: String {
        // The ownership refusal is a whole sentence naming the file already.
        code == .untrusted ? detail : "cannot use the configuration \(path): \(detail)"
    }
}
