import TrustmendCore
import UnixSignals

/// The running configuration, shared by the services that read it.
public actor ConfigurationBox {
    public private(set) var current: Configuration
    public init(_ configuration: Configuration) { current = configuration }
    public func replace(_ configuration: Configuration) { current = configuration }
}
