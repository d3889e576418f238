/// Why the registry route cannot serve a repair: its registry cannot be told, or an engine would not
/// read a file placed in its `certs.d`.
public struct RouteRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ why: String) { description = why }
}
