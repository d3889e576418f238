import ArgumentParser
import TrustmendCore

// Core's choices as command-line values: their raw values are the words the options take.
extension AnchorChoice: ExpressibleByArgument {}
extension TrustRoute: ExpressibleByArgument {}
extension RegistryEngine: ExpressibleByArgument {}
extension RestartRequest: ExpressibleByArgument {}
