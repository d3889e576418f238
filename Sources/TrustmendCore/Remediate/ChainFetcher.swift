/// Fetches the certificate chain a TLS server presents, without judging it.
///
/// Verification is off on purpose: the chain is what an operator inspects and what policy decides on.
/// Errors are thrown for everything that keeps a chain from arriving: resolution, connection, proxy,
/// timeout, a handshake that fails before the server's certificates are read, a server that sends none.
public protocol ChainFetcher: Sendable {
    func fetchChain(from endpoint: Endpoint, options: FetchOptions) async throws -> PeerChain
}

/// How to reach the server: time limits and the proxy, as the engine would reach it.
public struct FetchOptions: Sendable, Hashable {
    public var connectTimeout: Duration
    public var handshakeTimeout: Duration
    /// The HTTP CONNECT proxy to go through, or nil to connect directly.
    public var proxy: ProxyURL?
    /// The most certificates accepted from one server; more is an error, not a truncation.
    public var maxCertificates: Int
    /// The most bytes of certificates accepted from one server.
    public var maxChainBytes: Int

    public init(
        connectTimeout: Duration = .seconds(10), handshakeTimeout: Duration = .seconds(10), proxy: ProxyURL? = nil,
        maxCertificates: Int = 16, maxChainBytes: Int = 256 * 1024
    ) {
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.proxy = proxy
        self.maxCertificates = maxCertificates
        self.maxChainBytes = maxChainBytes
    }
}

/// Checks a chain the way a Go client will: against the certificates of one bundle, every one of them an
/// anchor (FACTS §4), without fetching missing intermediates (FACTS §5) and without checking the name.
public protocol ChainVerifier: Sendable {
    /// Returns normally when the chain verifies; throws an error naming OpenSSL's reason otherwise.
    func verify(_ chain: PeerChain, againstBundle bundlePEM: String, extraAnchors: [ChainCertificate]) throws
}

/// Restarts a systemd unit and reports how the job ended.
public protocol UnitRestarter: Sendable {
    func restart(unit: String, timeout: Duration) async throws -> RestartOutcome
    func activeState(of unit: String) async throws -> UnitState
}

/// What systemd said about a unit.
public struct UnitState: Sendable, Hashable {
    public var loadState: String
    public var activeState: String
    public var subState: String
    public var mainPID: UInt32
    /// The unit's `Environment=` entries (`KEY=value`).
    public var environment: [String]
    /// Units this one stops with (`Requires=` and `BindsTo=`): restarting one of them stops this unit too.
    public var stopsWith: [String]

    public init(
        loadState: String, activeState: String, subState: String, mainPID: UInt32, environment: [String],
        stopsWith: [String] = []
    ) {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.mainPID = mainPID
        self.environment = environment
        self.stopsWith = stopsWith
    }

    public var exists: Bool { loadState == "loaded" }
    public var isActive: Bool { activeState == "active" || activeState == "reloading" }
}

/// How a restart job ended: systemd's `JobRemoved` result (`done`, `failed`, `timeout`, `canceled`, …).
public struct RestartOutcome: Sendable, Hashable {
    public var unit: String
    public var job: String
    public var result: String

    public init(unit: String, job: String, result: String) {
        self.unit = unit
        self.job = job
        self.result = result
    }

    public var succeeded: Bool { result == "done" }
}
