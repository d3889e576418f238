import ArgumentParser
import Glibc
import TrustmendCore
import TrustmendStore
import TrustmendSystemd

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check everything a repair depends on; say what is wrong and how to fix it.")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: ArgumentHelp("Talk to systemd on this D-Bus address instead of the system bus.", valueName: "ADDRESS"))
    var bus: String?

    func validate() throws { try Delegation.refuse([("--bus", bus != nil)]) }

    static let engineUnits = EngineUnit.allCases.map(\.name)
    static let proxyKeys = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"]

    func run() async throws {
        var report = DoctorReport()
        let root = node.nodeRoot
        let facts = node.facts(systemd: SystemdUnitRestarter(address: node.busAddress(bus)))

        if root.isMountedHost {
            report.ok("host root", "\(root) is the node's /: its files are read there, links resolved inside it; its update tool runs chrooted into it")
            if Capabilities.effective(Capabilities.sysChroot) == false {
                report.fail(
                    "host root", "this process lacks CAP_SYS_CHROOT, so the node's update tool cannot be run in the node's root",
                    fix: "add SYS_CHROOT to the container's securityContext.capabilities.add")
            }
        }

        // The distro and its row.
        var profile: DistroProfile?
        do {
            let chosen = try node.profile()
            profile = chosen
            let source = node.distro.map { "--distro \($0)" } ?? "/etc/os-release"
            report.ok("distro", "\(chosen.family.rawValue) family (from \(source)); anchors in \(chosen.anchorDirectory), bundle \(chosen.bundle)")
        } catch {
            report.fail("distro", "\(error)", fix: "pass --distro FAMILY")
        }

        // The configuration, checked as the daemon checks it: it says where the ledger is.
        var ledger: JSONLedgerStore?
        do {
            let configuration = try node.configuration()
            let path = node.configurationPath
            let source = NodeFiles.exists(path) ? path : "\(path) does not exist: the defaults"
            report.ok(
                "configuration",
                "\(source); \(configuration.reportOnly ? "report only" : "enforce"), \(configuration.allow.count) allow rule(s), state in \(configuration.stateDirectory)")
            ledger = try node.ledger()
        } catch {
            var text = "\(error)"
            if text.hasPrefix("trustmend: ") { text.removeFirst("trustmend: ".count) }
            report.fail("configuration", text, fix: "the daemon refuses it too (exit 78 at start; on reload it keeps the old one)")
        }

        if let profile {
            let store = node.store(profile: profile)
            let directory = store.onDisk(profile.anchorDirectory)
            if !NodeFiles.exists(directory) {
                report.warn("anchor directory", "\(directory) does not exist", fix: "trustmend creates it on the first install")
            } else if access(directory, W_OK) != 0 {
                report.fail("anchor directory", "\(directory) is not writable by this user", fix: "run as root")
            } else {
                report.ok("anchor directory", "\(directory) is writable")
            }
            do {
                let tool = try store.updateTool()
                report.ok("update tool", tool.commandLine)
            } catch {
                report.fail("update tool", "\(error)", fix: "install the distro's ca-certificates package")
            }
            let bundle = store.onDisk(profile.bundle)
            if NodeFiles.exists(bundle) {
                let count = PEM.certificates(in: NodeFiles.readText(bundle) ?? "").count
                report.ok("bundle", "\(bundle) holds \(count) certificates")
            } else {
                report.fail("bundle", "\(bundle) is missing", fix: "run \(profile.updateCommandLine)")
            }
            ledgerChecks(&report, store: store, ledger: ledger)
        }

        let containerdPID = await engineChecks(&report, profile: profile, node: facts)
        await routeChecks(&report, containerdPID: containerdPID, node: facts)

        let daemonJSON = facts.dockerDaemon()
        if daemonJSON == .invalid {
            report.warn(
                "docker live-restore", "\(root.resolved(DockerDaemonFile.nodePath)) is not valid JSON",
                fix: "fix the file; dockerd will refuse to start with it")
        } else if daemonJSON.liveRestore {
            report.ok("docker live-restore", "on: a dockerd restart keeps containers running")
        } else {
            report.warn(
                "docker live-restore", "off: restarting dockerd stops every container, so trustmend will not restart docker by itself",
                fix: "set \"live-restore\": true in /etc/docker/daemon.json (not in swarm mode)")
        }

        let journals = ["/var/log/journal", "/run/log/journal"].map(root.resolved)
        if let readable = journals.first(where: { access($0, R_OK | X_OK) == 0 }) {
            report.ok("journal", "\(readable) is readable")
        } else {
            report.warn("journal", "no readable journal directory (\(journals.joined(separator: ", ")))",
                fix: "run as root or in the systemd-journal group; the daemon cannot detect failures without it")
        }

        report.print()
        if report.failed { throw ExitCode(1) }
    }

    func ledgerChecks(_ report: inout DoctorReport, store: SystemAnchorStore, ledger file: JSONLedgerStore?) {
        guard let file else {
            report.fail("ledger", "not read: the configuration, which says where it is, was refused", fix: "see the configuration line")
            return
        }
        do {
            let ledger = try file.load()
            let installed = ledger.entries.filter { $0.state == .installed }
            let registry = RegistryAnchorStore.remover(root: node.nodeRoot)
            let missing = installed.flatMap(\.files).filter { !store.exists($0) }
            let known = Set(ledger.entries.flatMap(\.files))
            let orphans = (store.trustmendFiles() + registry.trustmendFiles()).filter { !known.contains($0) }
            if !missing.isEmpty {
                report.warn("installed anchors", "\(missing.count) file(s) in the ledger are gone: \(missing.joined(separator: ", "))",
                    fix: "trustmend remove HOST to forget them, or trustmend fix HOST to reinstall")
            } else if !orphans.isEmpty {
                report.warn("installed anchors", "trustmend-* files not in the ledger: \(orphans.joined(separator: ", "))",
                    fix: "check them, then delete them and run the update tool")
            } else {
                report.ok("installed anchors", "\(installed.count) in the ledger, all present")
            }
            let pending = ledger.entries.filter { $0.state == .pending }
            if !pending.isEmpty {
                report.warn("unfinished installs", "\(pending.count) install(s) interrupted by a crash", fix: "the next fix or daemon start rolls them back")
            }
        } catch {
            report.fail("ledger", "\(error)", fix: "move \(file.path) aside")
        }
    }

    /// Returns containerd's MainPID (0 when it is not running or systemd cannot be asked).
    func engineChecks(_ report: inout DoctorReport, profile: DistroProfile?, node facts: NodeFacts) async -> UInt32 {
        var containerdPID: UInt32 = 0
        do {
            _ = try await facts.unit("trustmend.service")
        } catch {
            report.warn("engines", "cannot ask systemd over D-Bus: \(error)", fix: "run on a node booted with systemd, as root")
            return 0
        }
        var anyEngine = false
        for unit in Self.engineUnits {
            guard let state = try? await facts.unit(unit), state.exists else {
                report.info(unit, "not installed")
                continue
            }
            anyEngine = true
            if unit == RegistryEngine.containerd.unit { containerdPID = state.mainPID }
            let pid = state.mainPID > 0 ? ", MainPID \(state.mainPID)" : ""
            if state.isActive {
                report.ok(unit, "\(state.activeState) (\(state.subState))\(pid)")
            } else {
                report.warn(unit, "\(state.activeState) (\(state.subState))", fix: "start it if this node should run it")
            }
            let environment = state.environment.filter { entry in Self.proxyKeys.contains { entry.hasPrefix($0 + "=") } }
            if !environment.isEmpty {
                report.info("  environment", environment.map(Self.redacted).joined(separator: " "))
            }
            if let profile {
                let sources = GoTrustSources(environment: state.environment) { path in
                    access(facts.root.resolved(path), R_OK) == 0
                }
                if sources.overridden, sources.file != profile.bundle {
                    report.warn("  roots", "\(unit) reads \(sources.file ?? "no file") (SSL_CERT_FILE), not \(profile.bundle)",
                        fix: "anchors installed by the update tool will not reach it; drop SSL_CERT_FILE or point it at \(profile.bundle)")
                }
            }
        }
        if !anyEngine { report.warn("engines", "no container engine unit found", fix: "nothing to repair on this node") }
        return containerdPID
    }

    /// Which route `auto` takes per engine and why; certs.d files that would break a registry.
    func routeChecks(_ report: inout DoctorReport, containerdPID: UInt32, node facts: NodeFacts) async {
        let details = await facts.routeDetails(containerdPID: containerdPID)
        let facts = details.routeFacts
        let version = details.containerdVersion.map { "containerd \($0)" } ?? "containerd (version unknown)"
        let files = details.containerdConfig.map { $0.files.isEmpty ? "no configuration file (defaults)" : $0.files.joined(separator: ", ") } ?? details.configFile
        if facts.containerd.covered {
            report.ok("route containerd", "auto takes the registry route: \(facts.containerd.why) (\(version); read \(files))")
        } else {
            report.warn(
                "route containerd", "auto takes the system route (anchor directory, update tool, restart): \(facts.containerd.why) (\(version); read \(files))",
                fix: "set config_path = \"/etc/containerd/certs.d\" under the CRI plugin's registry table and restart containerd once")
        }
        let liveRestore = details.daemonJSON?.liveRestore ?? false
        let dockerHub = facts.docker.containerdSnapshotter ? "docker.io too" : "except docker.io (\(facts.docker.why))"
        report.ok(
            "route docker", "auto takes the registry route for every registry \(dockerHub); the system route would "
                + (liveRestore ? "restart dockerd (live-restore on)" : "need a dockerd restart that stops every container (live-restore off)"))

        for (path, problem) in RegistryAnchorStore.remover(root: node.nodeRoot).brokenFiles() {
            report.warn("certs.d", "\(path): \(problem)", fix: "fix or delete the file")
        }
    }

    /// Proxy URLs may carry passwords: show the user but not the password.
    static func redacted(_ entry: String) -> String {
        guard let at = entry.lastIndex(of: "@"), let scheme = entry.firstRange(of: "://"),
            let colon = entry[scheme.upperBound..<at].firstIndex(of: ":")
        else { return entry }
        return String(entry[..<colon]) + ":***" + String(entry[at...])
    }
}
