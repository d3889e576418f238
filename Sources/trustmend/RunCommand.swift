import ArgumentParser
import CProcessImage
import Glibc
import Logging
import ServiceLifecycle
import TrustmendConfig
import TrustmendCore
import TrustmendDaemon
import TrustmendPlatform
import TrustmendSources
import TrustmendStore
import TrustmendSystemd
import TrustmendTLS

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Follow the journal (and log files) and repair by policy: the daemon, run by trustmend.service.",
        discussion: "Out of the box it only reports. SIGHUP reloads the configuration; SIGTERM stops cleanly.")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: ArgumentHelp("Read this journal directory instead of the system journal.", valueName: "DIR"))
    var journalDir: String?

    @Option(name: .long, help: ArgumentHelp("Read these journal files instead of the system journal.", valueName: "FILE"))
    var journalFile: [String] = []

    @Option(name: .long, help: ArgumentHelp("Talk to systemd on this D-Bus address instead of the system bus.", valueName: "ADDRESS"))
    var bus: String?

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning or error.", valueName: "LEVEL"))
    var logLevel: String = "info"

    @Flag(name: .long, help: "On stderr (not under systemd), follow each line with the journal's fields: event=… host=….")
    var verbose = false

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Reload when the configuration file changes (a ConfigMap swapped by kubelet, an edit), as on SIGHUP.")
    var watchConfig = true

    func validate() throws {
        try Delegation.refuse([("--journal-dir", journalDir != nil), ("--journal-file", !journalFile.isEmpty), ("--bus", bus != nil)])
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level takes trace, debug, info, notice, warning or error") }
    }

    func run() async throws {
        // The relocation tables were read once by the dynamic linker; a daemon need not keep them resident
        // (process_image.h). A hint: on a kernel without MADV_PAGEOUT they simply stay.
        let released = trustmend_release_relocation_tables()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        // The journal only when stderr is the stream systemd gave the unit, not whenever JOURNAL_STREAM is set.
        let underSystemd = JournalLogHandler.standardErrorIsJournal(ProcessEnvironment.value("JOURNAL_STREAM"))
        let fields = verbose
        LoggingSystem.bootstrap { _ in
            if underSystemd { return JournalLogHandler(level: level) }
            return StandardErrorLogHandler(level: level, fields: fields)
        }
        let logger = Logger(label: "trustmend")
        if released == -Int(EINVAL) {
            logger.debug("the kernel has no MADV_PAGEOUT (before Linux 5.4): the relocation tables stay resident, about 1.4 MiB")
        }
        // The file is checked as the log files are (OwnershipRule): at start a refusal exits 78, on reload
        // it is config-rejected and the running configuration stays.
        let configPath = node.configurationPath
        let configRequired = node.config != nil
        let configuration = try NodeOptions.loadConfiguration(configPath, required: configRequired)
        let profile = try node.profile()
        let root = node.nodeRoot
        let nodeJournal = journalDir == nil && journalFile.isEmpty ? try Self.journalLocation(root) : nil
        let node = self.node
        let stateDirectory = root.resolved(configuration.stateDirectory)
        let restarter = SystemdUnitRestarter(address: node.busAddress(bus))
        let notifier = SystemdNotifier()
        do {
            try StateDirectory.prepare(stateDirectory)
        } catch {
            // Not fatal: repairs still run, and the first record that cannot be written says so again.
            logger.log(.sourceProblem(.stateDirectory), level: .warning, ["error": .string("\(error)")])
        }

        let wiring = DaemonFactory.wiring(
            root: root, profile: profile, updateTool: node.updateTool, stateDirectory: stateDirectory, restarter: restarter)

        let clock = ContinuousClock()
        let coordinator = try RepairCoordinator(configuration: configuration, wiring: wiring, clock: clock, logger: logger)
        let box = ConfigurationBox(configuration)
        let journal: SystemdJournalSource
        if let journalDir {
            journal = SystemdJournalSource(location: .directory(journalDir))
        } else if !journalFile.isEmpty {
            journal = SystemdJournalSource(location: .files(journalFile))
        } else {
            journal = SystemdJournalSource(location: nodeJournal ?? .system)
        }
        let files = TailFileSource { warning in
            logger.log(.sourceProblem(.file), level: .warning, ["error": .string(warning)])
        }
        let sourceStatus = SourceStatus()
        let sources = SourceService(
            coordinator: coordinator, journal: journal, files: files, configuration: { await box.current }, clock: clock, logger: logger,
            status: sourceStatus)
        let machineID = MachineID.read(.host)
        let heartbeat = HeartbeatWriter(
            status: sourceStatus, journalMissing: { JournalPresence.missing(at: journal.location, machineID: machineID) },
            write: { try HeartbeatFile.write($0, in: stateDirectory) })
        let status = ReloadService.status(configuration)
        let reload = ReloadService(
            load: { try NodeOptions.loadConfiguration(configPath, required: configRequired) },
            apply: { new in
                await box.replace(new)
                await coordinator.reload(new)
            }, notifier: notifier, initialStatus: status, logger: logger,
            watch: watchConfig ? Self.watch(configPath, logger: logger) : nil)

        var meta = ReloadService.summary(configuration)
        meta["distro"] = .string(profile.family.rawValue)
        meta["version"] = .string(VersionInfo.version)
        meta["config"] = .string(configPath)
        logger.log(.started(.running), level: .notice, meta)
        if configuration.trustAny { logger.log(.started(.trustAny), level: .warning) }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: sources), .init(service: WatchdogService(notifier: notifier, heartbeat: heartbeat, logger: logger)), .init(service: reload),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        notifier.ready(status: status)
        try await group.run()
        notifier.stopping()
        logger.log(.note(.stopped), level: .notice)
    }

    /// The configuration file's directory watched for changes; nil (said at debug level, or as a warning
    /// when the directory exists) when it cannot be: SIGHUP still reloads.
    static func watch(_ path: String, logger: Logger) -> ConfigurationWatch? {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        do {
            let watcher = try DirectoryWatcher(directory: directory.isEmpty ? "/" : directory)
            return ConfigurationWatch(path: path, changes: watcher.changes(quiet: .seconds(1)), content: { NodeFiles.read(path) })
        } catch {
            logger.log(level: NodeFiles.exists(directory) ? .warning : .debug, "\(error); the configuration is reloaded on SIGHUP only")
            return nil
        }
    }
}

extension Run {
    /// The node's journal: the system journal on `/`; under a host root the node's, as systemd's tools
    /// read an OS tree (`var/log/journal` and `run/log/journal` under it), its entries only (the node's
    /// machine ID: a container's journal linked into the node's is not the node's); under a sandbox its
    /// `/var/log/journal` directory.
    /// Without the node's machine ID the node's entries cannot be told apart: exit 72 (EX_OSFILE).
    static func journalLocation(_ root: NodeRoot) throws(CommandFailure) -> SystemdJournalSource.Location {
        if root.isSystemRoot { return .system }
        guard root.isMountedHost else { return .directory(root.resolved("/var/log/journal")) }
        guard let machineID = MachineID.read(root) else {
            throw CommandFailure(
                "trustmend: cannot read the node's machine ID in \(root.onDisk("/etc/machine-id")) (32 hex digits): without it the "
                    + "node's journal entries cannot be told from those of containers whose journals are linked into it. Mount the "
                    + "node's /etc/machine-id there.", exitCode: 72)
        }
        return .osRoot(root.path.string, machineID: machineID)
    }
}
