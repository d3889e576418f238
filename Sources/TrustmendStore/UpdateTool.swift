import Glibc
import Subprocess
import SystemPackage
import TrustmendCore

/// Runs a distro's trust-store update tool: no shell, a fixed argument vector, a time limit.
///
/// The tool runs in its own session so that a timeout kills it together with whatever it spawned
/// (`update-ca-certificates` runs `openssl rehash`, hooks and `sed`).
public struct UpdateTool: Sendable, Hashable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var timeout: Duration
    /// A host root to run the tool in (chrooted: `executable` is then a node path); nil runs it here.
    public var chroot: String?

    public init(
        executable: String, arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120),
        chroot: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
        self.chroot = chroot
    }

    /// The whole environment the tool runs with: nothing of the caller's (its `PATH` would choose what
    /// `update-ca-certificates` runs as root), a fixed `PATH`, `LC_ALL=C`, and `environment` on top
    /// (`TRUSTMEND_ROOT` of a sandbox root or an override tool).
    public static let fixedPath = "/usr/sbin:/usr/bin:/sbin:/bin"

    public var fixedEnvironment: [String: String] {
        ["PATH": Self.fixedPath, "LC_ALL": "C"].merging(environment) { _, given in given }
    }

    public var commandLine: String {
        ([executable] + arguments).joined(separator: " ") + (chroot.map { " (in the node's root \($0))" } ?? "")
    }

    /// Runs the tool and returns its combined output. Throws `toolMissing`, `toolFailed` with the tail of
    /// its output, or `toolTimedOut`.
    public func run() async throws(TrustStoreError) -> String {
        if let chroot { return try await runChrooted(in: chroot) }
        guard Syscalls.isExecutable(executable) else { throw TrustStoreError(.toolMissing, path: executable) }
        let executable = self.executable
        let arguments = self.arguments
        let timeout = self.timeout
        let env = Environment.custom(Dictionary(uniqueKeysWithValues: fixedEnvironment.map { (Environment.Key(rawValue: $0.key)!, $0.value) }))
        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    var options = PlatformOptions()
                    options.createSession = true
                    options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
                    let result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(arguments), environment: env,
                        platformOptions: options, input: .none, output: .string(limit: 1 << 20),
                        error: .string(limit: 1 << 20))
                    let text = result.standardOutput + result.standardError
                    return .finished(result.terminationStatus, text)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch {
            throw TrustStoreError(.toolFailed, path: commandLine, detail: "\(error)")
        }
        switch outcome {
        case .timedOut:
            throw TrustStoreError(.toolTimedOut, path: commandLine, detail: "limit \(timeout)")
        case .finished(let status, let text):
            return try finished(status, text)
        }
    }

    /// The output of a tool that ended with `status`; throws `toolFailed` with the tail of it unless 0.
    func finished(_ status: TerminationStatus, _ text: String) throws(TrustStoreError) -> String {
        guard case .exited(0) = status else {
            let tail = text.split(separator: "\n").suffix(8).joined(separator: " | ")
            throw TrustStoreError(.toolFailed, path: commandLine, detail: "\(status); output: \(tail)")
        }
        return text
    }

    private enum Outcome: Sendable {
        case finished(TerminationStatus, String)
        case timedOut
    }
}
