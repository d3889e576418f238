import ArgumentParser
import TrustmendCore
import TrustmendStore

/// How `fetch` and `fix` reach a server: time limits and the proxy, like the engine would.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Tunnel through this HTTP proxy (CONNECT); overrides https_proxy.", valueName: "URL"))
    var proxy: String?

    @Flag(name: .long, help: "Ignore https_proxy/HTTPS_PROXY and connect directly.")
    var noProxy = false

    @Option(name: .long, help: ArgumentHelp("Give up connecting after this many seconds.", valueName: "SECONDS"))
    var connectTimeout: Int = 10

    @Option(name: .long, help: ArgumentHelp("Give up on the TLS handshake after this many seconds.", valueName: "SECONDS"))
    var timeout: Int = 10

    func validate() throws {
        guard (1...600).contains(connectTimeout) else { throw ValidationError("--connect-timeout takes 1 to 600 seconds") }
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout takes 1 to 600 seconds") }
        if let proxy {
            do { _ = try ProxyURL(parsing: proxy) } catch { throw ValidationError("--proxy: \(error)") }
        }
    }

    /// The options for one endpoint: the proxy from `--proxy`, or from the environment as Go decides it.
    func fetchOptions(for endpoint: Endpoint) throws -> FetchOptions {
        var options = FetchOptions(connectTimeout: .seconds(connectTimeout), handshakeTimeout: .seconds(timeout))
        if let proxy {
            options.proxy = try ProxyURL(parsing: proxy)
        } else if !noProxy {
            options.proxy = try ProxyEnvironment(ProcessEnvironment.all).proxy(for: endpoint)
        }
        return options
    }
}
