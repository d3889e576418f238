import Logging
import ServiceLifecycle
import TrustmendCore

/// Feeds the journal and the log files into the coordinator until shutdown. A source that fails is
/// opened again from the saved position after a bounded back-off, and the other source keeps going.
public struct SourceService<C: Clock>: Service where C.Duration == Duration {
    let coordinator: RepairCoordinator<C>
    let journal: (any JournalSource)?
    let files: (any FileSource)?
    let configuration: @Sendable () async -> Configuration
    let clock: C
    let logger: Logger
    /// Where the journal reader stands, for the heartbeat.
    let status: SourceStatus?

    public init(
        coordinator: RepairCoordinator<C>, journal: (any JournalSource)?, files: (any FileSource)?,
        configuration: @escaping @Sendable () async -> Configuration, clock: C, logger: Logger, status: SourceStatus? = nil
    ) {
        self.status = status
        self.coordinator = coordinator
        self.journal = journal
        self.files = files
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await coordinator.resume()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let journal {
                    group.addTask {
                        await self.keepReading("journal", status: self.status) {
                            let config = await self.configuration()
                            guard config.journalEnabled else { return nil }
                            self.status?.set(.reading(cursor: await coordinator.journalCursor))
                            return journal.follow(
                                units: config.journalUnits, after: await coordinator.journalCursor, lookBack: config.journalLookBack)
                        }
                    }
                }
                if let files {
                    group.addTask {
                        await self.keepReading("files", status: nil) {
                            let config = await self.configuration()
                            guard !config.files.isEmpty else { return nil }
                            return files.follow(paths: config.files, positions: await coordinator.filePositions)
                        }
                    }
                }
            }
        }
        await coordinator.shutdown()
    }

    /// `status`: told where the reader stands (the journal's).
    private func keepReading(
        _ name: String, status: SourceStatus?, open: @Sendable () async -> AsyncThrowingStream<LogRecord, any Error>?
    ) async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            guard let stream = await open() else {
                status?.set(.off)
                return
            }
            do {
                for try await record in stream {
                    await coordinator.handle(record)
                    status?.set(.reading(cursor: record.position))
                    delay = .seconds(1)
                }
                return
            } catch {
                status?.set(.failing("\(error)"))
                logger.log(
                    .sourceProblem(.source), level: .error,
                    ["source": .string(name), "error": .string("\(error)"), "retry_in": .string("\(delay)")])
                try? await clock.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
            }
        }
    }
}
