/// The route chosen for a repair, and why.
public struct RouteChoice: Sendable, Hashable {
    public var target: RouteTarget
    public var why: String

    public init(_ target: RouteTarget, why: String) {
        self.target = target
        self.why = why
    }
}
