/// An install the request did not allow (`RepairRequest.installVeto`).
public struct InstallVetoed: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { "the chain needs an anchor installed, and \(reason)" }
}
