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

    /// What a configuration amounts to, as the start and each reload say it.
    public static func summary(_ configuration: Configuration) -> Logger.Metadata {
        ["mode": .string(configuration.reportOnly ? "report" : "enforce"), "allow_rules": .stringConvertible(configuration.allow.count)]
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
                    logger.log(.configReloaded(trustAny: false), level: .notice, Self.summary(configuration))
                    if configuration.trustAny { logger.log(.configReloaded(trustAny: true), level: .warning) }
                } catch {
                    logger.log(.configRejected, level: .error, ["error": .string("\(error)")])
                }
                notifier.ready(status: status)
            }
        }
    }
}
