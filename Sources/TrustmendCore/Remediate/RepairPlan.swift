/// The install a repair would make.
public struct RepairPlan: Sendable {
    public var chain: PeerChain
    public var anchors: [ChainCertificate]
    public var files: [String]
    public var updateCommand: String
    public var bundlePath: String

    public init(chain: PeerChain, anchors: [ChainCertificate], files: [String], updateCommand: String, bundlePath: String) {
        self.chain = chain
        self.anchors = anchors
        self.files = files
        self.updateCommand = updateCommand
        self.bundlePath = bundlePath
    }
}
