import FoundationEssentials
import TrustmendCore

/// `trustmend.prom` for node_exporter's textfile collector: written after start and after every batch,
/// taken away when the daemon stops (a stopped daemon's counts would otherwise stay on show for good,
/// and `absent(trustmend_build_info)` says that no trustmend runs).
struct MetricsFile {
    let publisher: (any MetricsPublisher)?
    let counter: MetricsCounter
    /// The directory last written, to take the file from when the daemon stops or the directory changes.
    var written: String?
    /// The last write failed (logged once, until one works again).
    var unwritten = false

    /// Writes the counts, and the anchors of `ledger` (nil when it cannot be read).
    mutating func publish(_ configuration: Configuration, ledger: () throws -> Ledger, log: EventLog) {
        guard let publisher else { return }
        let directory = configuration.metricsDirectory(exists: publisher.directoryExists)
        if let old = written, old != directory { withdraw(log: log) }
        guard let directory else { return }
        let text = counter.current.text(anchors: (try? ledger()).map(Metrics.anchors(in:)))
        do {
            try publisher.publish(text, in: directory)
            written = directory
            if unwritten {
                unwritten = false
                log(.note(.metricsWritten), level: .notice, ["file": .string(Self.path(directory))])
            }
        } catch {
            guard !unwritten else { return }
            unwritten = true
            log(.sourceProblem(.metrics), level: .warning, ["file": .string(Self.path(directory)), "error": .string("\(error)")])
        }
    }

    /// Takes the file away from where it was last written.
    mutating func withdraw(log: EventLog) {
        guard let publisher, let directory = written else { return }
        written = nil
        do { try publisher.withdraw(from: directory) } catch {
            log(.sourceProblem(.metrics), level: .warning, ["file": .string(Self.path(directory)), "error": .string("\(error)")])
        }
    }

    static func path(_ directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + Configuration.metricsFileName
    }
}
