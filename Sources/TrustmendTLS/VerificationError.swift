/// Why a chain does not verify against a bundle.
public struct VerificationError: Error, Sendable, CustomStringConvertible {
    /// OpenSSL's X509_V_ERR_* code.
    public var code: Int32
    public var reason: String
    /// The depth in the chain where verification stopped (0 = the server's certificate).
    public var depth: Int32

    public var description: String {
        "verification failed at depth \(depth): \(reason)"
    }
}
