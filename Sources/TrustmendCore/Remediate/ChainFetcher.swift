/// Fetches the certificate chain a TLS server presents, without judging it.
///
/// Verification is off on purpose: the chain is what an operator inspects and what policy decides on.
/// Errors are thrown for everything that keeps a chain from arriving: resolution, connection, proxy,
/// timeout, a handshake that fails before the server's certificates are read, a server that sends none.
public protocol ChainFetcher: Sendable {
    func fetchChain(from endpoint: Endpoint, options: FetchOptions) async throws -> PeerChain
}
