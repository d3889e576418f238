import TrustmendCore

/// The checks `doctor` ran, printed one per line.
struct DoctorReport {
    enum Status: String { case ok = " OK ", warn = "WARN", fail = "FAIL", info = "    " }
    var lines: [(Status, String, String, String?)] = []

    mutating func ok(_ name: String, _ detail: String) { lines.append((.ok, name, detail, nil)) }
    mutating func warn(_ name: String, _ detail: String, fix: String) { lines.append((.warn, name, detail, fix)) }
    mutating func fail(_ name: String, _ detail: String, fix: String) { lines.append((.fail, name, detail, fix)) }
    mutating func info(_ name: String, _ detail: String) { lines.append((.info, name, detail, nil)) }

    var failed: Bool { lines.contains { $0.0 == .fail } }

    func print() {
        for (status, name, detail, fix) in lines {
            Swift.print("[\(status.rawValue)] \(name): \(detail)")
            if let fix { Swift.print("         fix: \(fix)") }
        }
    }
}
