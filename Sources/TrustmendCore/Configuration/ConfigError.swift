/// A configuration that cannot be used, with the line to look at.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line in the file; 0 when the problem is not tied to a line.
    public var line: Int
    public var message: String
    /// The file, filled in by whoever read it.
    public var file: String?

    public init(line: Int, _ message: String, file: String? = nil) {
        self.line = line
        self.message = message
        self.file = file
    }

    public var description: String {
        let place = [file, line > 0 ? "line \(line)" : nil].compactMap { $0 }.joined(separator: ", ")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}
