import ArgumentParser
import CPrivateRuntime

@main
struct Trustmend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustmend",
        abstract: "Repairs image pulls that fail with 'x509: certificate signed by unknown authority'.",
        discussion: """
            trustmend finds the endpoint in the engine's log, fetches the chain it presents, installs the anchor \
            the operator's policy allows into the distro's trust store, verifies, and restarts the engine over D-Bus.
            """,
        version: VersionInfo.text,
        // Every command names itself: the name ArgumentParser derives from the type costs a dynamic cast
        // per command at every start, two thirds of the start-up time `trustmend fetch` had.
        subcommands: [Scan.self, Fetch.self, Fix.self, List.self, Remove.self, Doctor.self, Run.self]
    )

    static func main() async {
        // Before any lookup: no name-service module of the node's glibc is loaded into this process
        // (private_runtime.h). Host names resolve through /etc/hosts and DNS.
        _ = trustmend_isolate_name_services()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            StandardError.write(failure.description)
            exit(withError: ExitCode(failure.exitCode))
        } catch {
            exit(withError: error)
        }
    }
}
