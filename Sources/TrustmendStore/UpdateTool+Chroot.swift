import CNodeRoot
import Glibc
import Subprocess
import SystemPackage
import TrustmendCore
import TrustmendPlatform

extension UpdateTool {
    /// The most output kept of each of stdout and stderr, as `run()` keeps.
    static let outputLimit = 1 << 20

    /// Runs the node's tool in the node's root (`node_root.h`: fork, chroot, chdir, execve in C, since a
    /// Swift child between fork and exec is not safe), with the same fixed environment, output and time
    /// limit as a tool run here; the wait is on a thread of its own, not the cooperative pool. Needs
    /// CAP_SYS_CHROOT. Throws `toolMissing` when the node has no such program, `toolFailed` (with the step
    /// that failed: chroot without the capability says so), or `toolTimedOut`.
    func runChrooted(in root: String) async throws(TrustStoreError) -> String {
        let onDisk = NodeRoot(hostRoot: root).resolved(executable)
        guard Syscalls.isExecutable(onDisk) else { throw TrustStoreError(.toolMissing, path: onDisk) }
        let argv = [executable] + arguments
        let envp = fixedEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let executable = self.executable
        let timeoutMs = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        let worker = BlockingWorker(name: "update-tool")
        defer { worker.close() }
        let ended: Ended
        do {
            ended = try await worker.run {
                Self.spawn(root: root, executable: executable, argv: argv, envp: envp, timeoutMs: timeoutMs)
            }
        } catch {
            throw TrustStoreError(.toolFailed, path: commandLine, detail: "\(error)")
        }
        guard ended.result.ran != 0 else {
            let step = ["", "chroot into \(root)", "chdir to / in \(root)", "execve \(executable)", "fork"][Int(ended.result.failed_step)]
            let hint = ended.result.failed_step == 1 && ended.result.failed_errno == EPERM ? " (it needs CAP_SYS_CHROOT)" : ""
            let cause = Errno(rawValue: ended.result.failed_errno)
            throw TrustStoreError(.toolFailed, path: commandLine, errno: cause, detail: "\(step) failed: \(cause)\(hint)")
        }
        if ended.result.timed_out != 0 {
            throw TrustStoreError(.toolTimedOut, path: commandLine, detail: "limit \(timeout)")
        }
        let status = ended.result.exit_status
        let termination: TerminationStatus = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        return try finished(termination, ended.output + ended.errors)
    }

    struct Ended: Sendable {
        var result: trustmend_chrooted_result
        var output: String
        var errors: String
    }

    private static func spawn(root: String, executable: String, argv: [String], envp: [String], timeoutMs: Int) -> Ended {
        // Everything the child needs is made before the fork: it allocates nothing.
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnvp = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnvp { free(p) }
        }
        var out = [CChar](repeating: 0, count: outputLimit)
        var err = [CChar](repeating: 0, count: outputLimit)
        var result = trustmend_chrooted_result()
        cArgv.withUnsafeBufferPointer { a in
            cEnvp.withUnsafeBufferPointer { e in
                out.withUnsafeMutableBufferPointer { o in
                    err.withUnsafeMutableBufferPointer { r in
                        trustmend_run_chrooted(
                            root, executable, a.baseAddress, e.baseAddress, timeoutMs, 2000, o.baseAddress, r.baseAddress,
                            outputLimit, &result)
                    }
                }
            }
        }
        func text(_ buffer: [CChar], _ count: Int) -> String {
            String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return Ended(result: result, output: text(out, result.out_length), errors: text(err, result.err_length))
    }
}
