/// Tells the service manager how the daemon is doing (sd_notify under systemd; nothing elsewhere).
public protocol ServiceNotifier: Sendable {
    func ready(status: String)
    func reloading()
    func stopping()
    func watchdog()
    /// How often the manager expects a watchdog ping; nil when it does not.
    var watchdogInterval: Duration? { get }
}
