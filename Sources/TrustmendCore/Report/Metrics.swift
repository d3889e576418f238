import FoundationEssentials

/// What the daemon has done since it started, for node_exporter's textfile collector (`trustmend.prom`).
///
/// Every label value comes from a closed set: units from the configuration and the engines trustmend
/// knows (any other name counts as `other`), routes and results from enums. Nothing a log line says
/// becomes a label, so hostile text can neither add series nor break the file; no host is ever a label.
/// Counters count from this process's start (`trustmend_start_time_seconds`), as textfile counters do:
/// a restart of trustmend resets them, which `rate()` and `increase()` take in their stride.
public struct Metrics: Sendable, Hashable {
    public struct RepairKey: Sendable, Hashable {
        public var route: RouteKind
        public var result: RepairResult
    }

    public struct RestartKey: Sendable, Hashable {
        public var unit: String
        public var result: RestartResult
    }

    /// The `unit` label of a unit outside the closed set.
    public static let otherUnit = "other"

    /// By the unit that logged the failure; `""` for a log file's line (no unit).
    public private(set) var detections: [String: Int] = [:]
    public private(set) var repairs: [RepairKey: Int] = [:]
    public private(set) var reports = 0
    public private(set) var restarts: [RestartKey: Int] = [:]
    /// When the last batch ended; nil before the first.
    public var lastBatch: Date?
    public let started: Date
    /// `trustmend_build_info`'s labels, by name.
    public let build: [String: String]
    /// The unit names a label may carry.
    public private(set) var units: Set<String> = []

    /// - Parameter units: the journal units of the configuration (`sources.journal.units`).
    public init(units: [String], started: Date, build: [String: String] = [:]) {
        self.started = started
        self.build = build
        for route in RouteKind.allCases {
            for result in RepairResult.allCases { repairs[RepairKey(route: route, result: result)] = 0 }
        }
        allow(units: units)
    }

    /// Admits a configuration's units (at start and at each reload), and the engines trustmend restarts
    /// whatever it reads. Their series start at zero, so that the first event shows in `increase()`; a
    /// unit a reload drops keeps its series (a counter never goes back).
    public mutating func allow(units configured: [String]) {
        for unit in configured where detections[unit] == nil { detections[unit] = 0 }
        for unit in configured + EngineUnit.allCases.map(\.name) {
            units.insert(unit)
            // kubelet is never restarted: its failures are charged to the CRI runtime.
            guard unit != EngineUnit.kubelet.name else { continue }
            for result in RestartResult.allCases where restarts[RestartKey(unit: unit, result: result)] == nil {
                restarts[RestartKey(unit: unit, result: result)] = 0
            }
        }
    }

    /// Counts an event the daemon logged: `detected`, `reported` and the restart events; any other is
    /// not counted here.
    public mutating func record(_ event: Event, unit: String?) {
        switch event {
        case .detected: detections[label(unit), default: 0] += 1
        case .reported: reports += 1
        default:
            guard let result = RestartResult(event) else { return }
            restarts[RestartKey(unit: label(unit), result: result), default: 0] += 1
        }
    }

    /// Counts a repair that ended; report mode's outcome is no repair and is not counted.
    public mutating func record(repair outcome: Policy.Outcome, route: RouteKind) {
        guard let result = RepairResult(outcome) else { return }
        repairs[RepairKey(route: route, result: result), default: 0] += 1
    }

    func label(_ unit: String?) -> String {
        guard let unit else { return "" }
        return units.contains(unit) ? unit : Self.otherUnit
    }
}
