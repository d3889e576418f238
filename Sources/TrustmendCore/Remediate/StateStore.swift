public protocol StateStore: Sendable {
    func load() throws -> DaemonState
    func save(_ state: DaemonState) throws
}
