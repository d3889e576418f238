/// What a server answered to one request: the status, the header fields in order, and as much of the
/// body as the request allowed.
public struct RegistryResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [RegistryRequest.Header]
    public var body: [UInt8]
    /// The body went on past the request's limit; `body` holds the first `bodyLimit` bytes.
    public var truncated: Bool

    public init(status: Int, headers: [RegistryRequest.Header] = [], body: [UInt8] = [], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// Every value of a field, names compared without case.
    public func values(_ name: String) -> [String] {
        let name = name.lowercased()
        return headers.filter { $0.name.lowercased() == name }.map(\.value)
    }

    public func value(_ name: String) -> String? { values(name).first }
}
