import ArgumentParser
import FoundationEssentials
import Glibc
import TrustmendCore
import TrustmendStore
import TrustmendTLS

struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Resolve an image as the engines do and say which server's certificate fails, with the command that repairs it.",
        discussion: """
            Asks the registry's /v2/, the token server a 401 names (an anonymous token), the manifest (an index resolved to \
            the platform), and the config blob (with Range: bytes=0-0, never a layer), following every https redirect. Each \
            host's chain is judged against the bundle the engines read and against each engine's certs.d/REGISTRY alone; the \
            first host an engine would refuse is named with the `trustmend fix` command that repairs it. It judges, never \
            trusts: nothing is written, no credentials are sent. A registry that wants credentials is a result, not an error. \
            Exit status: 0 every host met verifies (also when the registry wants credentials), 1 a host fails (named), \
            4 the walk stopped before the config blob with no failing host found (no answer, a manifest missing, too many \
            redirects), 64 a usage error or an invalid image reference.
            """)

    @OptionGroup var node: NodeOptions
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The image, as a pod or `docker pull` names it.", valueName: "IMAGE"))
    var image: String

    @Option(name: .long, help: ArgumentHelp("Name the first failing host for this engine only: containerd or docker.", valueName: "ENGINE"))
    var engine: RegistryEngine?

    @Option(name: .long, help: ArgumentHelp("The platform an index is resolved to (default: this node's, linux/ARCH).", valueName: "OS/ARCH"))
    var platform: String?

    @Option(name: .long, help: ArgumentHelp("Give up on a server's answer after this many seconds.", valueName: "SECONDS"))
    var responseTimeout: Int = 10

    @Flag(name: .long, help: "One JSON document: every hop, how the walk ended, the failing host per engine.")
    var json = false

    func validate() throws {
        do { _ = try ImageReference(parsing: image) } catch { throw ValidationError("\(error)") }
        guard (1...600).contains(responseTimeout) else { throw ValidationError("--response-timeout takes 1 to 600 seconds") }
        if let platform, platform.split(separator: "/").count < 2 || platform.split(separator: "/").count > 3 {
            throw ValidationError("--platform takes OS/ARCH or OS/ARCH/VARIANT (linux/amd64), not \"\(platform)\"")
        }
    }

    func run() async throws {
        let reference = try ImageReference(parsing: image)
        let profile = try node.profile()
        let system = node.store(profile: profile)
        let bundle: String
        do { bundle = try system.bundlePEM() } catch {
            throw CommandFailure("trustmend: cannot read the bundle the engines read: \(error)")
        }
        let tracer = NodeImageTracer.make(root: node.nodeRoot, system: system, bundle: bundle)
        let trace = try await tracer.trace(image, options: try options())
        let engines = engine.map { [$0] } ?? RegistryEngine.allCases.sorted { $0.rawValue > $1.rawValue }  // docker, then containerd
        let failures = TraceFailure.failures(in: trace, engines: engines)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(TraceReport(trace, failures: failures)), as: UTF8.self))
        } else {
            print(TraceText.render(trace, failures: failures, engines: engines, reference: reference, platform: try options().platform))
        }
        if !failures.isEmpty { throw ExitCode(1) }
        if case .stopped = trace.end { throw ExitCode(4) }
    }

    func options() throws -> TraceOptions {
        var fetch = FetchOptions(connectTimeout: .seconds(connection.connectTimeout), handshakeTimeout: .seconds(connection.timeout))
        var environment: ProxyEnvironment?
        if let proxy = connection.proxy {
            fetch.proxy = try ProxyURL(parsing: proxy)
        } else if !connection.noProxy {
            // As `fetch` decides it, per host: NO_PROXY may exempt the registry and not its CDN.
            environment = ProxyEnvironment(ProcessEnvironment.all)
        }
        return TraceOptions(
            fetch: fetch, platform: platform ?? Self.nodePlatform, responseTimeout: .seconds(responseTimeout), proxyEnvironment: environment)
    }

    /// `linux/ARCH` in the OCI's words for this machine's architecture.
    static var nodePlatform: String {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch = ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"][machine]
        return "linux/" + (arch ?? machine)
    }
}
