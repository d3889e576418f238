import Foundation

/// A private dbus-daemon with the systemd stand-in (`Tests/Support/systemd_standin.py`) on it.
/// trustmend connects to `address` as it would to the system bus.
final class PrivateBus: @unchecked Sendable {
    // @unchecked: immutable after init; processes are killed in deinit.
    let address: String
    private let daemon: Process
    private let standIn: Process
    private let directory: String

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon")
            && (try? Shell.run("/usr/bin/python3 -c 'import dbusmock, gi'")) != nil
    }

    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Support/systemd_standin.py").path

    /// - Parameters:
    ///   - units: the stand-in's units, as in the template's docstring.
    ///   - socket: where the bus listens (a node tree's `/run/dbus/system_bus_socket`); a temporary directory's `bus` if nil.
    init(units: [String: [String: Any]], socket: String? = nil) throws {
        directory = NSTemporaryDirectory() + "trustmend-bus-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let socket = socket ?? directory + "/bus"
        try FileManager.default.createDirectory(atPath: (socket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        daemon.arguments = ["--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path=\(socket)"]
        let out = Pipe()
        daemon.standardOutput = out
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        address = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        let parameters = String(decoding: try JSONSerialization.data(withJSONObject: ["units": units]), as: UTF8.self)
        standIn = Process()
        standIn.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        standIn.arguments = ["-m", "dbusmock", "--session", "--template", Self.template, "-p", parameters]
        standIn.environment = ["DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"]
        standIn.standardOutput = FileHandle.nullDevice
        standIn.standardError = FileHandle.nullDevice
        try standIn.run()
        for _ in 0..<200 {
            if (try? query("print(1 if b.name_has_owner('org.freedesktop.systemd1') else 0)")) == "1" { return }
            usleep(50_000)
        }
        throw Shell.Failure(status: -1, output: "the systemd stand-in did not come up on \(address)")
    }

    /// Kills the bus daemon (the stand-in loses its bus and exits).
    func stopDaemon() {
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
    }

    deinit {
        kill(standIn.processIdentifier, SIGKILL)
        kill(daemon.processIdentifier, SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs Python with `b` bound to the bus, `o` to the manager object; returns what it prints.
    func query(_ code: String) throws -> String {
        try Shell.run("""
            /usr/bin/python3 - <<'PY'
            import dbus, json
            b = dbus.bus.BusConnection("\(address)")
            o = b.get_object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
            \(code)
            PY
            """).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The manager methods called so far, with their arguments, in order.
    func calls(_ method: String) throws -> [[String]] {
        let text = try query("""
            calls = o.GetCalls(dbus_interface="org.freedesktop.DBus.Mock")
            print(json.dumps([[str(a) for a in c[2]] for c in calls if c[1] == "\(method)"]))
            """)
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String]] ?? []
    }

    /// The unit gets a new main process, started now, without a `RestartUnit` call.
    func restartElsewhere(_ unit: String) throws {
        _ = try query("o.RestartElsewhere(\"\(unit)\", dbus_interface=\"org.freedesktop.DBus.Mock\")")
    }

    func setRestartResult(_ unit: String, _ result: String) throws {
        _ = try query("o.SetRestartResult(\"\(unit)\", \"\(result)\", dbus_interface=\"org.freedesktop.DBus.Mock\")")
    }
}
