/// Finds image-pull unknown-authority failures in log text. (Placeholder: being written.)
public struct LogScanner: Sendable {
    public init() {}

    /// The detection for one line of text, or nil when the line is not an image-pull trust failure.
    public func scan(line text: Substring, number: Int) -> Detection? { nil }
}
