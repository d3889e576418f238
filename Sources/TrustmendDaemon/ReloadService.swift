import Logging
import ServiceLifecycle
import TrustmendCore
import UnixSignals

/// Re-reads the configuration on SIGHUP (`systemctl reload`) and when the file changes: a good file
/// replaces the running one, a bad one is refused with its reason and the old one keeps running.
///
/// A change seen in the file's directory reloads only when the file reads differently from what was last
/// loaded or refused: a chmod, a touch, kubelet's removal of the old data directory, a sibling file do not
/// log a reload. SIGHUP always reloads.
public struct ReloadService: Service {
    let load: @Sendable () throws -> Configuration
    let apply: @Sendable (Configuration) async -> Void
    let notifier: any ServiceNotifier
    let initialStatus: String
    let logger: Logger
    let watch: ConfigurationWatch?
    /// What the running configuration was read from: the file as it was when the service was made.
    let initial: [UInt8]?

    public init(
        load: @escaping @Sendable () throws -> Configuration, apply: @escaping @Sendable (Configuration) async -> Void,
        notifier: any ServiceNotifier, initialStatus: String, logger: Logger, watch: ConfigurationWatch? = nil
    ) {
        self.load = load
        self.apply = apply
        self.notifier = notifier
        self.initialStatus = initialStatus
        self.logger = logger
        self.watch = watch
        self.initial = watch?.content()
    }

    /// The STATUS= text for a configuration, at start and after every reload.
    public static func status(_ configuration: Configuration) -> String {
        configuration.reportOnly ? "watching (report only)" : "watching"
    }

    /// What a configuration amounts to, as the start and each reload say it.
    public static func summary(_ configuration: Configuration) -> Logger.Metadata {
        ["mode": .string(configuration.reportOnly ? "report" : "enforce"), "allow_rules": .stringConvertible(configuration.allow.count)]
    }

    private enum Trigger: Sendable { case signal, fileChanged }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let (triggers, continuation) = AsyncStream.makeStream(of: Trigger.self)
        let watch = self.watch
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withTaskGroup(of: Void.self) { producers in
                        producers.addTask { for await _ in signals { continuation.yield(.signal) } }
                        if let watch {
                            producers.addTask {
                                for await _ in watch.changes { continuation.yield(.fileChanged) }
                                if !Task.isCancelled {
                                    logger.warning("the directory of \(watch.path) is no longer watched (removed or unmounted); SIGHUP still reloads")
                                }
                            }
                        }
                    }
                    continuation.finish()
                }
                group.addTask { await self.serve(triggers) }
            }
        }
    }

    private func serve(_ triggers: AsyncStream<Trigger>) async {
        // A refused file leaves the previous configuration in force, and its status.
        var status = initialStatus
        var seen = initial
        for await trigger in triggers {
            if trigger == .fileChanged, let watch {
                let now = watch.content()
                guard now != seen else {
                    logger.debug("the configuration's directory changed, the file did not: nothing to reload", metadata: ["config": .string(watch.path)])
                    continue
                }
                seen = now
                guard now != nil else {
                    // Between an editor's delete and write the debounce has passed; say it, keep the rules.
                    logger.log(.configRejected, level: .error, ["error": .string("\(watch.path) cannot be read (it was removed?)")])
                    continue
                }
            } else if let watch {
                seen = watch.content()
            }
            notifier.reloading()
            do {
                let configuration = try load()
                await apply(configuration)
                status = Self.status(configuration)
                var meta = Self.summary(configuration)
                if trigger == .fileChanged { meta["trigger"] = "file changed" }
                logger.log(.configReloaded(trustAny: false), level: .notice, meta)
                if configuration.trustAny { logger.log(.configReloaded(trustAny: true), level: .warning) }
            } catch {
                logger.log(.configRejected, level: .error, ["error": .string("\(error)")])
            }
            notifier.ready(status: status)
        }
    }
}
