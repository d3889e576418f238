import FoundationEssentials
import Glibc
import TrustmendCore
import TrustmendPlatform

/// Restarts units and reads their state through systemd's D-Bus API — never through systemctl or a
/// shell. Each operation opens its own connection on a thread of its own, so nothing blocks the
/// cooperative pool and a restarted dbus-daemon costs nothing.
public struct SystemdUnitRestarter: UnitRestarter {
    /// nil: the system bus.
    public let address: String?

    public init(address: String? = nil) {
        self.address = address
    }

    static let manager = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"

    public func restart(unit: String, timeout: Duration) async throws -> RestartOutcome {
        let address = self.address
        return try await Self.onThread {
            let bus = try SDBus(address: address)
            let deadline = SystemClock.microseconds(CLOCK_MONOTONIC) + UInt64(timeout.components.seconds) * 1_000_000
                + UInt64(timeout.components.attoseconds / 1_000_000_000_000)
            // Subscribe so that systemd sends JobRemoved; watch before asking, since the job can finish
            // before the reply to RestartUnit is read.
            _ = try? bus.call(path: Self.manager, interface: Self.managerInterface, member: "Subscribe", arguments: [], timeout: timeout, unit: unit) { _ in () }
            let watch = try bus.watchJobs()
            defer { bus.unwatch(watch) }
            let job = try bus.call(
                path: Self.manager, interface: Self.managerInterface, member: "RestartUnit", arguments: [.string(unit), .string("replace")],
                timeout: timeout, unit: unit
            ) { reply throws(SystemdError) in
                guard let path = SDBus.readString(reply, type: "o") else { throw SystemdError(.call, unit: unit, detail: "RestartUnit returned no job") }
                return path
            }
            let finished = try bus.process(until: deadline, what: "waiting for the restart job \(job)", unit: unit) {
                watch.removed.contains { $0.job == job }
            }
            guard finished, let removed = watch.removed.first(where: { $0.job == job }) else {
                throw SystemdError(.timeout, unit: unit, detail: "restart job \(job)")
            }
            return RestartOutcome(unit: unit, job: job, result: removed.result)
        }
    }

    public func activeState(of unit: String) async throws -> UnitState {
        let address = self.address
        return try await Self.onThread {
            let bus = try SDBus(address: address)
            let timeout = Duration.seconds(10)
            let path: String
            do {
                path = try bus.call(
                    path: Self.manager, interface: Self.managerInterface, member: "LoadUnit", arguments: [.string(unit)], timeout: timeout, unit: unit
                ) { reply throws(SystemdError) in
                    guard let p = SDBus.readString(reply, type: "o") else { throw SystemdError(.call, unit: unit, detail: "LoadUnit returned no path") }
                    return p
                }
            } catch let error as SystemdError where error.busError == "org.freedesktop.systemd1.NoSuchUnit" {
                return UnitState(loadState: "not-found", activeState: "inactive", subState: "dead", mainPID: 0, environment: [])
            }
            func property<T>(_ interface: String, _ name: String, _ read: (OpaquePointer) -> T?) -> T? {
                try? bus.call(
                    path: path, interface: "org.freedesktop.DBus.Properties", member: "Get",
                    arguments: [.string(interface), .string(name)], timeout: timeout, unit: unit
                ) { reply in read(reply) }
            }
            let unitInterface = "org.freedesktop.systemd1.Unit"
            let serviceInterface = "org.freedesktop.systemd1.Service"
            // When systemd forked the main process, in µs of the wall clock (0: none). Read with MainPID in
            // the same connection rather than /proc/PID/stat later: no PID reuse race, no boot-time and
            // clock-tick arithmetic, and comparable at once with the bundle's change time.
            let started = property(serviceInterface, "ExecMainStartTimestamp", SDBus.readVariantUInt64).flatMap { usec in
                usec == 0 ? nil : Date(timeIntervalSince1970: Double(usec) / 1e6)
            }
            // The start limit moved from the Service interface (systemd < 230: StartLimitBurst, StartLimitInterval)
            // to the Unit interface (StartLimitBurst, StartLimitIntervalUSec); the new names first, then the old.
            func startLimit(_ interface: String, _ interval: String) -> StartLimit? {
                guard let burst = property(interface, "StartLimitBurst", SDBus.readVariantUInt32),
                    let usec = property(interface, interval, SDBus.readVariantUInt64)
                else { return nil }
                return StartLimit(burst: burst, intervalMicroseconds: usec)
            }
            return UnitState(
                loadState: property(unitInterface, "LoadState", SDBus.readVariantString) ?? "not-found",
                activeState: property(unitInterface, "ActiveState", SDBus.readVariantString) ?? "inactive",
                subState: property(unitInterface, "SubState", SDBus.readVariantString) ?? "dead",
                mainPID: property(serviceInterface, "MainPID", SDBus.readVariantUInt32) ?? 0,
                environment: property(serviceInterface, "Environment", SDBus.readVariantStrings) ?? [],
                stopsWith: (property(unitInterface, "Requires", SDBus.readVariantStrings) ?? [])
                    + (property(unitInterface, "BindsTo", SDBus.readVariantStrings) ?? []),
                mainStarted: started,
                startLimit: startLimit(unitInterface, "StartLimitIntervalUSec") ?? startLimit(serviceInterface, "StartLimitInterval"))
        }
    }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let worker = BlockingWorker(name: "sd-bus")
        defer { worker.close() }
        return try await worker.run(body)
    }
}
