import Logging
import ServiceLifecycle
import TrustmendCore
import UnixSignals

/// Re-reads the configuration on SIGHUP (`systemctl reload`): a good file replaces the running one,
/// a bad one is refused with its reason and the old one keeps running.
public struct ReloadService: Service {
    let load: @Sendable () throws -> Configuration
    let apply: @Sendable (Configuration) async -> Void
    let notifier: any ServiceNotifier
    let initialStatus: String
    let logger: Logger

    public init(
        load: @escaping @Sendable () throws -> Configuration, apply: @escaping @Sendable (Configuration) async -> Void,
        notifier: any ServiceNotifier, initialStatus: String, logger: Logger
    ) {
        self.load = load
        self.apply = apply
        self.notifier = notifier
        self.initialStatus = initialStatus
        self.logger = logger
    }

    /// The STATUS= text for a configuration, at start and after every reload.
    public static func status(_ configuration: Configuration) -> String {
        configuration.reportOnly ? "watching (report only)" : "watching"
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            // A refused file leaves the previous configuration in force, and its status.
            var status = initialStatus
            for await _ in signals {
                notifier.reloading()
                do {
                    let configuration = try load()
                    await apply(configuration)
                    status = Self.status(configuration)
                    logger.notice("configuration reloaded", metadata: ["message_id": .string(Event.configReloaded.messageID)])
                    if configuration.trustAny {
                        logger.warning("trust_any is on: every failing host will be trusted", metadata: ["message_id": .string(Event.configReloaded.messageID)])
                    }
                } catch {
                    logger.error(
                        "new configuration refused; the running one stays",
                        metadata: ["error": .string("\(error)"), "message_id": .string(Event.configRejected.messageID)])
                }
                notifier.ready(status: status)
            }
        }
    }
}
