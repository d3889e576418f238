import CSystemd
import Glibc
import TrustmendCore
import TrustmendPlatform

/// sd-bus, every raw call in one place. A bus is used only on the thread that opened it.
final class SDBus {
    private var bus: OpaquePointer?

    /// Opens the system bus, or the bus at `address` (a private bus in tests, `--bus` for operators).
    init(address: String?) throws(SystemdError) {
        var bus: OpaquePointer?
        if let address {
            var r = sd_bus_new(&bus)
            guard r >= 0, let b = bus else { throw SystemdError(.connect, errno: -r, detail: address) }
            r = sd_bus_set_address(b, address)
            if r >= 0 { r = sd_bus_set_bus_client(b, 1) }  // without it every call is refused
            if r >= 0 { r = sd_bus_start(b) }
            guard r >= 0 else {
                sd_bus_unref(b)
                throw SystemdError(.connect, errno: -r, detail: address)
            }
            self.bus = b
        } else {
            let r = sd_bus_open_system(&bus)
            guard r >= 0, let b = bus else { throw SystemdError(.connect, errno: -r, detail: "the system bus") }
            self.bus = b
        }
    }

    deinit {
        if let bus { sd_bus_flush_close_unref(bus) }
    }

    enum Argument {
        case string(String)
        case objectPath(String)
    }

    /// Calls a method and hands the reply to `read`.
    func call<T>(
        destination: String = "org.freedesktop.systemd1", path: String, interface: String, member: String,
        arguments: [Argument], timeout: Duration, unit: String, read: (OpaquePointer) throws(SystemdError) -> T
    ) throws(SystemdError) -> T {
        var message: OpaquePointer?
        var r = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard r >= 0, let m = message else { throw SystemdError(.call, errno: -r, unit: unit, detail: member) }
        defer { sd_bus_message_unref(m) }
        for argument in arguments {
            switch argument {
            case .string(let s): r = s.withCString { sd_bus_message_append_basic(m, CChar(UInt8(ascii: "s")), $0) }
            case .objectPath(let s): r = s.withCString { sd_bus_message_append_basic(m, CChar(UInt8(ascii: "o")), $0) }
            }
            guard r >= 0 else { throw SystemdError(.call, errno: -r, unit: unit, detail: member) }
        }
        var error = trustmend_sd_bus_error_null()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let usec = UInt64(timeout.components.seconds) * 1_000_000 + UInt64(timeout.components.attoseconds / 1_000_000_000_000)
        r = sd_bus_call(bus, m, usec, &error, &reply)
        guard r >= 0, let reply else {
            let name = error.name.map { String(cString: $0) }
            let text = error.message.map { String(cString: $0) }
            throw SystemdError(.call, errno: -r, unit: unit, detail: member, busError: name, busMessage: text)
        }
        defer { sd_bus_message_unref(reply) }
        return try read(reply)
    }

    static func readString(_ m: OpaquePointer, type: Character = "s") -> String? {
        var value: UnsafePointer<CChar>?
        let r = sd_bus_message_read_basic(m, CChar(UInt8(ascii: type.asciiValue.map { Unicode.Scalar($0) }!)), &value)
        guard r > 0, let value else { return nil }
        return String(cString: value)
    }

    /// Reads a property reply `v` holding `s`.
    static func readVariantString(_ m: OpaquePointer) -> String? {
        guard sd_bus_message_enter_container(m, CChar(UInt8(ascii: "v")), "s") > 0 else { return nil }
        defer { sd_bus_message_exit_container(m) }
        return readString(m)
    }

    static func readVariantUInt32(_ m: OpaquePointer) -> UInt32? {
        guard sd_bus_message_enter_container(m, CChar(UInt8(ascii: "v")), "u") > 0 else { return nil }
        defer { sd_bus_message_exit_container(m) }
        var value: UInt32 = 0
        guard sd_bus_message_read_basic(m, CChar(UInt8(ascii: "u")), &value) > 0 else { return nil }
        return value
    }

    static func readVariantUInt64(_ m: OpaquePointer) -> UInt64? {
        guard sd_bus_message_enter_container(m, CChar(UInt8(ascii: "v")), "t") > 0 else { return nil }
        defer { sd_bus_message_exit_container(m) }
        var value: UInt64 = 0
        guard sd_bus_message_read_basic(m, CChar(UInt8(ascii: "t")), &value) > 0 else { return nil }
        return value
    }

    static func readVariantStrings(_ m: OpaquePointer) -> [String]? {
        guard sd_bus_message_enter_container(m, CChar(UInt8(ascii: "v")), "as") > 0 else { return nil }
        defer { sd_bus_message_exit_container(m) }
        guard sd_bus_message_enter_container(m, CChar(UInt8(ascii: "a")), "s") > 0 else { return nil }
        defer { sd_bus_message_exit_container(m) }
        var values: [String] = []
        while let s = readString(m) { values.append(s) }
        return values
    }

    /// Collects `JobRemoved(u id, o job, s unit, s result)` signals as they are processed.
    final class JobWatch {
        var removed: [(job: String, unit: String, result: String)] = []
        var slot: OpaquePointer?
    }

    func watchJobs() throws(SystemdError) -> JobWatch {
        let watch = JobWatch()
        let r = sd_bus_match_signal(
            bus, &watch.slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
            "JobRemoved",
            { message, userdata, _ in
                guard let message, let userdata else { return 0 }
                let watch = Unmanaged<JobWatch>.fromOpaque(userdata).takeUnretainedValue()
                var id: UInt32 = 0
                _ = sd_bus_message_read_basic(message, CChar(UInt8(ascii: "u")), &id)
                guard let job = SDBus.readString(message, type: "o"), let unit = SDBus.readString(message),
                    let result = SDBus.readString(message)
                else { return 0 }
                watch.removed.append((job, unit, result))
                return 0
            }, Unmanaged.passUnretained(watch).toOpaque())
        guard r >= 0 else { throw SystemdError(.call, errno: -r, detail: "match JobRemoved") }
        return watch
    }

    func unwatch(_ watch: JobWatch) {
        if let slot = watch.slot { sd_bus_slot_unref(slot) }
        watch.slot = nil
    }

    /// Processes incoming messages until `done` or the deadline; false on timeout. `what` and `unit` name,
    /// in an error, what was being waited for (the bus can go away: dbus-daemon or systemd restarted).
    func process(until deadline: UInt64, what: String, unit: String?, done: () -> Bool) throws(SystemdError) -> Bool {
        while !done() {
            var r = sd_bus_process(bus, nil)
            if r >= 0 {
                if r > 0 { continue }
                let now = SystemClock.microseconds(CLOCK_MONOTONIC)
                guard now < deadline else { return false }
                r = sd_bus_wait(bus, deadline - now)
                if r >= 0 || r == -EINTR { continue }
            }
            throw SystemdError(.call, errno: -r, unit: unit, detail: what)
        }
        return true
    }
}
