import ArgumentParser
import FoundationEssentials
import TrustmendCore
import TrustmendTLS

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Print the certificate chain a server presents, as it sends it (no verification).",
        discussion: "Without --summary or --json the output is PEM, like `openssl s_client -showcerts`.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The server.", valueName: "HOST[:PORT]"))
    var endpoint: String

    @Flag(name: .long, help: "One readable block per certificate.")
    var summary = false

    @Flag(name: .long, help: "One JSON document: the endpoint, the proxy used, and every certificate.")
    var json = false

    func validate() throws {
        do { _ = try Endpoint(parsing: endpoint) } catch { throw ValidationError("\(error)") }
        if summary && json { throw ValidationError("--summary and --json exclude each other") }
    }

    func run() async throws {
        let endpoint = try Endpoint(parsing: endpoint)
        let options = try connection.fetchOptions(for: endpoint)
        let chain: PeerChain
        do {
            chain = try await OpenSSLChainFetcher().fetchChain(from: endpoint, options: options)
        } catch {
            throw CommandFailure("trustmend: cannot fetch the chain of \(endpoint): \(error)")
        }
        if json {
            let report = ChainReport(endpoint: endpoint.authority, proxy: options.proxy?.description, certificates: chain.certificates.map(CertificateReport.init))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if summary {
            print("\(endpoint) sent \(chain.certificates.count) certificate\(chain.certificates.count == 1 ? "" : "s")\(options.proxy.map { " (through proxy \($0))" } ?? ""):")
            for (index, cert) in chain.certificates.enumerated() {
                print("\(index) subject    \(TerminalText.escaped(cert.subject))")
                print("  issuer     \(TerminalText.escaped(cert.issuer))")
                print("  sha256     \(cert.sha256)")
                print("  valid      \(cert.notBefore.formatted(.iso8601)) to \(cert.notAfter.formatted(.iso8601))")
                print("  CA         \(cert.isCA ? "yes" : "no"), self-signed \(cert.isSelfSigned ? "yes" : "no")")
            }
        } else {
            print(chain.pem, terminator: "")
        }
    }
}
