public struct ContainerdConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var message: String

    public var description: String { "cannot read containerd's configuration \(file): \(message)" }
}
