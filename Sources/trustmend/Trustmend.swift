import ArgumentParser
import CPrivateRuntime
import Glibc

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
        subcommands: [Scan.self, Trace.self, Fetch.self, Fix.self, List.self, Remove.self, Doctor.self, Run.self, Health.self]
    )

    static func main() async {
        // Before any lookup: no name-service module of the node's glibc is loaded into this process
        // (private_runtime.h). Host names resolve through /etc/hosts and DNS.
        _ = trustmend_isolate_name_services()
        // Before the first thread: under a filter that refuses clone3 with EPERM the runtime would retry
        // pthread_create forever, without a word (private_runtime.h).
        if trustmend_threads_refused() != 0 {
            StandardError.write("""
                trustmend: this process may not create threads: a seccomp filter answers clone3 with EPERM instead \
                of ENOSYS, and glibc falls back to clone only on ENOSYS. Run it under SystemCallErrorNumber=ENOSYS \
                (the shipped unit does), or in a container runtime that answers unknown calls with ENOSYS \
                (docker ≥ 20.10.10, runc ≥ 1.0.2).
                """)
            Glibc.exit(71)  // EX_OSERR: the unit does not restart it (RestartPreventExitStatus=)
        }
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
