import COpenSSL
import Glibc
import TrustmendCore

// Every OpenSSL call of the adapter.

enum OpenSSLCalls {
    /// OpenSSL without the node's openssl.cnf: the packages ship their own libssl, and a node's
    /// configuration (another OpenSSL's, or one loading providers built for it) must not change what a
    /// fetch accepts or load code into the daemon. The fetch and the verification set what they need.
    private static let initialized: Void = {
        _ = OPENSSL_init_ssl(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
    }()

    /// Drains OpenSSL's error queue for this thread into one line.
    static func errors() -> String {
        var lines: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines.isEmpty ? "no detail from OpenSSL" : lines.joined(separator: "; ")
    }

    /// Handshakes on a connected socket and returns the DER of every certificate the server sent, in order.
    static func handshake(fd: Int32, endpoint: Endpoint, options: FetchOptions) throws(TLSFetchError) -> [[UInt8]] {
        try open(fd: fd, endpoint: endpoint, options: options).chain
    }

    /// A connection after its handshake, for a request over it; freed with it.
    final class Session {
        let ctx: OpaquePointer
        let ssl: OpaquePointer
        let fd: Int32

        init(ctx: OpaquePointer, ssl: OpaquePointer, fd: Int32) {
            self.ctx = ctx
            self.ssl = ssl
            self.fd = fd
        }

        deinit {
            SSL_free(ssl)
            SSL_CTX_free(ctx)
        }
    }

    /// Handshakes on a connected socket: the DER of every certificate the server sent, in order, and the
    /// session to talk over (nil when the handshake failed after the server proved its key: the chain is
    /// known, no request can be sent).
    static func open(fd: Int32, endpoint: Endpoint, options: FetchOptions) throws(TLSFetchError) -> (chain: [[UInt8]], session: Session?) {
        initialized
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSFetchError(.library, endpoint, cause: errors()) }
        var owned = true
        defer { if owned { SSL_CTX_free(ctx) } }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        trustmend_SSL_CTX_ignore_unexpected_eof(ctx)
        // Fetch whatever the server presents, weak keys and old signatures included: judging is for later.
        SSL_CTX_set_security_level(ctx, 0)
        _ = trustmend_SSL_CTX_set_max_cert_list(ctx, options.maxChainBytes)
        guard let ssl = SSL_new(ctx) else { throw TLSFetchError(.library, endpoint, cause: errors()) }
        defer { if owned { SSL_free(ssl) } }
        guard SSL_set_fd(ssl, fd) == 1 else { throw TLSFetchError(.library, endpoint, cause: errors()) }
        if let name = endpoint.serverName {
            _ = trustmend_SSL_set_tlsext_host_name(ssl, name)
        }
        SSL_set_connect_state(ssl)
        let deadline = Deadline(after: options.handshakeTimeout)
        while true {
            let r = SSL_do_handshake(ssl)
            if r == 1 { break }
            let error = SSL_get_error(ssl, r)
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE {
                guard Sockets.wait(fd, forWrite: error == SSL_ERROR_WANT_WRITE, deadline: deadline) else {
                    throw TLSFetchError(.timeout, endpoint, cause: "the handshake did not finish within \(options.handshakeTimeout)")
                }
                continue
            }
            // The certificates may have arrived before the failure (a TLS 1.2 client-certificate demand, say).
            // They are taken only when the server proved it holds the leaf's key before the failure: any peer
            // can send someone else's certificates and hang up.
            if let chain = peerChain(ssl), !chain.isEmpty {
                guard peerProvedKey(ssl) else {
                    throw TLSFetchError(.unproven, endpoint, cause: errors())
                }
                return (try checked(chain, endpoint: endpoint, options: options), nil)
            }
            let detail = errors()
            if detail.contains("excessive message size") {
                throw TLSFetchError(.chainTooLarge, endpoint, cause: "more than \(options.maxChainBytes) bytes (\(detail))")
            }
            let cause = error == SSL_ERROR_SYSCALL ? (errno != 0 ? String(cString: strerror(errno)) : "the server closed the connection") : detail
            throw TLSFetchError(.handshake, endpoint, cause: cause)
        }
        guard let chain = peerChain(ssl), !chain.isEmpty else { throw TLSFetchError(.noCertificate, endpoint, cause: "") }
        let checkedChain = try checked(chain, endpoint: endpoint, options: options)
        owned = false
        return (checkedChain, Session(ctx: ctx, ssl: ssl, fd: fd))
    }

    /// Sends every byte over the session before the deadline.
    static func write(_ session: Session, _ bytes: [UInt8], deadline: Deadline, endpoint: Endpoint) throws(TLSFetchError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = bytes[offset...].withUnsafeBytes { SSL_write(session.ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 {
                offset += Int(n)
                continue
            }
            let error = SSL_get_error(session.ssl, n)
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                throw TLSFetchError(.connect, endpoint, cause: "sending the request: \(error == SSL_ERROR_SYSCALL ? String(cString: strerror(errno)) : errors())")
            }
            guard Sockets.wait(session.fd, forWrite: error == SSL_ERROR_WANT_WRITE, deadline: deadline) else {
                throw TLSFetchError(.timeout, endpoint, cause: "the request could not be sent in time")
            }
        }
    }

    /// Up to `limit` bytes of the answer, waiting until the deadline; empty at the end of the connection.
    static func read(_ session: Session, limit: Int, deadline: Deadline, endpoint: Endpoint) throws(TLSFetchError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        while true {
            ERR_clear_error()
            errno = 0
            let n = buffer.withUnsafeMutableBytes { SSL_read(session.ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 { return Array(buffer.prefix(Int(n))) }
            let error = SSL_get_error(session.ssl, n)
            if error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && errno == 0) { return [] }
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                throw TLSFetchError(.connect, endpoint, cause: "reading the answer: \(error == SSL_ERROR_SYSCALL ? String(cString: strerror(errno)) : errors())")
            }
            guard Sockets.wait(session.fd, forWrite: error == SSL_ERROR_WANT_WRITE, deadline: deadline) else {
                throw TLSFetchError(.timeout, endpoint, cause: "no complete answer within the response time limit")
            }
        }
    }

    /// Whether a handshake that failed got past the server's proof that it holds the private key of the
    /// leaf it sent. OpenSSL checks that proof whatever the verify mode, and on a bad signature fails in
    /// the state of the message that carried it; a state past that message means it verified.
    /// - TLS 1.3: CertificateVerify, a signature over the transcript, right after Certificate.
    /// - TLS 1.2 and older with an (EC)DHE suite: ServerKeyExchange, signed with the leaf's key.
    /// - An RSA key exchange proves it only with the server's Finished, which completes the handshake;
    ///   so does a failure before the signed message: not proven.
    static func peerProvedKey(_ ssl: OpaquePointer) -> Bool {
        let state = SSL_get_state(ssl)
        if SSL_version(ssl) >= TLS1_3_VERSION {
            let past: [OSSL_HANDSHAKE_STATE] = [
                TLS_ST_CR_FINISHED, TLS_ST_CW_CHANGE, TLS_ST_CW_CERT, TLS_ST_CW_CERT_VRFY, TLS_ST_CW_FINISHED,
                TLS_ST_CR_SESSION_TICKET, TLS_ST_OK,
            ]
            return past.contains(state)
        }
        guard let cipher = SSL_get_pending_cipher(ssl) ?? SSL_get_current_cipher(ssl) else { return false }
        guard [NID_kx_ecdhe, NID_kx_dhe].contains(SSL_CIPHER_get_kx_nid(cipher)),
            [NID_auth_rsa, NID_auth_ecdsa, NID_auth_dss].contains(SSL_CIPHER_get_auth_nid(cipher))
        else { return false }
        let past: [OSSL_HANDSHAKE_STATE] = [
            TLS_ST_CR_CERT_REQ, TLS_ST_CR_SRVR_DONE, TLS_ST_CW_CERT, TLS_ST_CW_KEY_EXCH, TLS_ST_CW_CERT_VRFY, TLS_ST_CW_CHANGE,
            TLS_ST_CW_NEXT_PROTO, TLS_ST_CW_FINISHED, TLS_ST_CR_SESSION_TICKET, TLS_ST_CR_CHANGE, TLS_ST_CR_FINISHED, TLS_ST_OK,
        ]
        return past.contains(state)
    }

    static func checked(_ chain: [[UInt8]], endpoint: Endpoint, options: FetchOptions) throws(TLSFetchError) -> [[UInt8]] {
        guard chain.count <= options.maxCertificates else {
            throw TLSFetchError(.chainTooLong, endpoint, cause: "\(chain.count), at most \(options.maxCertificates) are accepted")
        }
        let total = chain.reduce(0) { $0 + $1.count }
        guard total <= options.maxChainBytes else {
            throw TLSFetchError(.chainTooLarge, endpoint, cause: "\(total) bytes, at most \(options.maxChainBytes)")
        }
        return chain
    }

    static func peerChain(_ ssl: OpaquePointer) -> [[UInt8]]? {
        guard let stack = SSL_get_peer_cert_chain(ssl) else { return nil }
        var result: [[UInt8]] = []
        for i in 0..<trustmend_sk_X509_num(stack) {
            guard let cert = trustmend_sk_X509_value(stack, i) else { continue }
            result.append(der(cert))
        }
        return result
    }

    static func der(_ cert: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(cert, nil)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            _ = i2d_X509(cert, &cursor)
        }
        return bytes
    }

    static func x509(_ der: [UInt8]) -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
    }

    /// Verifies `chain[0]` with the rest as untrusted intermediates against `anchors`, every anchor
    /// trusted on its own (partial chains), for TLS server use, without a name check.
    static func verify(chain: [[UInt8]], anchors: [[UInt8]]) throws(VerificationError) {
        initialized
        ERR_clear_error()
        guard let store = X509_STORE_new() else { throw VerificationError(code: -1, reason: errors(), depth: 0) }
        defer { X509_STORE_free(store) }
        for der in anchors {
            guard let cert = x509(der) else { continue }
            X509_STORE_add_cert(store, cert)
            X509_free(cert)
        }
        _ = X509_STORE_set_flags(store, trustmend_X509_V_FLAG_PARTIAL_CHAIN())
        guard let first = chain.first, let leaf = x509(first) else {
            throw VerificationError(code: -1, reason: "the chain is empty or its first certificate cannot be parsed", depth: 0)
        }
        defer { X509_free(leaf) }
        guard let untrusted = trustmend_sk_X509_new_null() else { throw VerificationError(code: -1, reason: errors(), depth: 0) }
        defer { trustmend_sk_X509_pop_free(untrusted) }
        for der in chain.dropFirst() {
            if let cert = x509(der) { _ = trustmend_sk_X509_push(untrusted, cert) }
        }
        guard let ctx = X509_STORE_CTX_new() else { throw VerificationError(code: -1, reason: errors(), depth: 0) }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1 else { throw VerificationError(code: -1, reason: errors(), depth: 0) }
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER)
        if X509_verify_cert(ctx) == 1 { return }
        let code = X509_STORE_CTX_get_error(ctx)
        throw VerificationError(
            code: code, reason: String(cString: X509_verify_cert_error_string(Int(code))), depth: X509_STORE_CTX_get_error_depth(ctx))
    }

    static var version: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}
