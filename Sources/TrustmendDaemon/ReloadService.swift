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
    let logger: Logger

    public init(
        load: @escaping @Sendable () throws -> Configuration, apply: @escaping @Sendable (Configuration) async -> Void,
        notifier: any ServiceNotifier, logger: Logger
    ) {
        self.load = load
        self.apply = apply
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in signals {
                notifier.reloading()
                do {
                    let configuration = try load()
                    await apply(configuration)
                    logger.notice("configuration reloaded", metadata: ["message_id": .string(Event.configReloaded.messageID)])
                    if configuration.trustAny {
                        logger.warning("trust_any is on: every failing host will be trusted", metadata: ["message_id": .string(Event.configReloaded.messageID)])
                    }
                } catch {
                    logger.error(
                        "new configuration refused; the running one stays",
                        metadata: ["error": .string("\(error)"), "message_id": .string(Event.configRejected.messageID)])
                }
                notifier.ready(status: "watching")
            }
        }
    }
}

/// The running configuration, shared by the services that read it.
public actor ConfigurationBox {
    public private(set) var current: Configuration
    public init(_ configuration: Configuration) { current = configuration }
    public func replace(_ configuration: Configuration) { current = configuration }
}
