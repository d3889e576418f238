import ArgumentParser
import FoundationEssentials
import TrustmendCore
import TrustmendStore

struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Exit 0 when the running daemon is alive and following its journal, 1 with one line saying why not.",
        discussion: """
            For a container's livenessProbe, and on a node. It reads the heartbeat the daemon writes to its state \
            directory every \(Heartbeat.interval.components.seconds) s: too old means the daemon is stopped or hung; \
            it also fails when the daemon says the journal is missing (no journal files where it reads) or cannot be read.
            """)

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: ArgumentHelp("Fail when the last heartbeat is older than this.", valueName: "SECONDS"))
    var maxAge: Int = 3 * Int(Heartbeat.interval.components.seconds)

    func validate() throws {
        guard (1...86_400).contains(maxAge) else { throw ValidationError("--max-age takes 1 to 86400 seconds") }
    }

    func run() throws {
        // The state directory the daemon uses: its configuration's, found as list and remove find it.
        let directory = try node.stateDirectory()
        let verdict = HealthVerdict.judge(
            HeartbeatFile.read(in: directory), path: HeartbeatFile.path(in: directory), now: Date(), maxAge: .seconds(maxAge))
        guard verdict.healthy else { throw CommandFailure(verdict.line) }
        print(verdict.line)
    }
}
