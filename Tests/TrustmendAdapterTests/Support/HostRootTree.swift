import Foundation

/// A small node root for `--host-root`: a RHEL-family layout (the bundle reached by RHEL's absolute link
/// `/etc/pki/tls/certs/ca-bundle.crt` → `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`), a
/// machine ID, and a working `/bin/sh` (this machine's dash with its libraries) so that a tool script in
/// the tree can run once chrooted into it. Made by root, mode 0755, as a node's `/` is.
struct HostRootTree {
    let path: String
    static let machineID = "0123456789abcdef0123456789abcdef"
    static let rhelOSRelease = "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n"
    static let bundle = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"

    /// Runnable inside the root only: chroot needs the shell and its libraries there.
    static var shellAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/dash") && getuid() == 0 }

    init(osRelease: String = Self.rhelOSRelease, shell: Bool = true) throws {
        path = NSTemporaryDirectory() + "trustmend-hostroot-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for dir in ["etc/pki/ca-trust/source/anchors", "etc/pki/ca-trust/extracted/pem", "etc/pki/tls/certs", "var/lib/trustmend", "usr/bin", "usr/lib", "bin"] {
            try fm.createDirectory(atPath: path + "/" + dir, withIntermediateDirectories: true)
        }
        try osRelease.write(toFile: path + "/usr/lib/os-release", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: path + "/etc/os-release", withDestinationPath: "../usr/lib/os-release")
        try (Self.machineID + "\n").write(toFile: path + "/etc/machine-id", atomically: true, encoding: .utf8)
        try "# the node's bundle\n".write(toFile: path + Self.bundle, atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: path + "/etc/pki/tls/certs/ca-bundle.crt", withDestinationPath: Self.bundle)
        if shell { try copyShell() }
    }

    /// dash as `/bin/sh`, and each library `ldd` names at the same path inside the tree.
    func copyShell() throws {
        try copy("/usr/bin/dash", to: "/bin/sh")
        let ldd = try Shell.run("ldd /usr/bin/dash")
        for word in ldd.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) where word.hasPrefix("/") {
            try copy(String(word), to: String(word))
        }
    }

    func copy(_ from: String, to nodePath: String) throws {
        let target = file(nodePath)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // The file itself, not a link to it: the loader is a link to a path the tree does not have.
        let source = (from as NSString).resolvingSymlinksInPath
        if !FileManager.default.fileExists(atPath: target) { try FileManager.default.copyItem(atPath: source, toPath: target) }
    }

    func file(_ nodePath: String) -> String { path + nodePath }

    func read(_ nodePath: String) -> String? { try? String(contentsOfFile: file(nodePath), encoding: .utf8) }

    func write(_ nodePath: String, _ text: String, mode: Int = 0o644) throws {
        let parent = (file(nodePath) as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try text.write(toFile: file(nodePath), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file(nodePath))
    }

    func link(_ nodePath: String, to target: String) throws {
        let parent = (file(nodePath) as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file(nodePath), withDestinationPath: target)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// `trustmend run` on this tree as in a pod: TRUSTMEND_HOST_ROOT set, no JOURNAL_STREAM, NOTIFY_SOCKET
    /// or WATCHDOG_USEC, stdout and stderr into `/daemon.log` of the tree. Returns once it said it started;
    /// `log()` reads what it wrote so far. The caller kills it.
    func startDaemon(_ arguments: [String]) async throws -> (process: Process, log: @Sendable () -> String) {
        let log = file("/daemon.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["run"] + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC"] { environment.removeValue(forKey: key) }
        environment["TRUSTMEND_HOST_ROOT"] = path
        process.environment = environment
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let text: @Sendable () -> String = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        do {
            try await eventually("the daemon starts") { text().contains("trustmend started") }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
        return (process, text)
    }
}
