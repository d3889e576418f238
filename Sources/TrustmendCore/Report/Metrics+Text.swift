import FoundationEssentials

extension Metrics {
    /// The anchors a ledger records as installed, per route (a pending install is not trusted yet).
    public static func anchors(in ledger: Ledger) -> [RouteKind: Int] {
        var counts = Dictionary(uniqueKeysWithValues: RouteKind.allCases.map { ($0, 0) })
        for entry in ledger.entries where entry.state == .installed { counts[entry.route, default: 0] += 1 }
        return counts
    }

    /// `trustmend.prom`. Labels are written in name order and series in label order, as node_exporter
    /// serves them again. `anchors` is nil when the ledger cannot be read: the family is then left out
    /// rather than show a false zero; `trustmend_last_batch_timestamp_seconds` is left out until the
    /// first batch.
    public func text(anchors: [RouteKind: Int]?) -> String {
        var out = PrometheusText()
        out.family("trustmend_build_info", .gauge, help: "trustmend's version and the OpenSSL it runs on; always 1.")
        out.sample("trustmend_build_info", build.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, 1)
        out.family(
            "trustmend_start_time_seconds", .gauge,
            help: "When this trustmend process started, in seconds since the epoch: the counters count from here.")
        out.sample("trustmend_start_time_seconds", seconds: started)

        out.family(
            "trustmend_detections_total", .counter,
            help: "Unknown-authority pull failures approved for repair (the detected event), by the engine unit that logged them; unit=\"\" for a log file's line.")
        for (unit, n) in detections.sorted(by: { $0.key < $1.key }) { out.sample("trustmend_detections_total", [("unit", unit)], n) }

        out.family(
            "trustmend_repairs_total", .counter,
            help: "Repairs that ended, by route (system, registry) and result (installed, already_trusted, failed, capped).")
        for (key, n) in repairs.sorted(by: { ($0.key.result.rawValue, $0.key.route.rawValue) < ($1.key.result.rawValue, $1.key.route.rawValue) }) {
            out.sample("trustmend_repairs_total", [("result", key.result.rawValue), ("route", key.route.rawValue)], n)
        }

        out.family(
            "trustmend_reports_total", .counter,
            help: "Hosts reported to the operator (the reported event): outside the allow list, or what report mode would install.")
        out.sample("trustmend_reports_total", [], reports)

        out.family(
            "trustmend_restarts_total", .counter,
            help: "Engine restarts by unit and result: completed, failed, deferred (owed but not done: docker without live-restore, or restart.min_interval).")
        for (key, n) in restarts.sorted(by: { ($0.key.result.rawValue, $0.key.unit) < ($1.key.result.rawValue, $1.key.unit) }) {
            out.sample("trustmend_restarts_total", [("result", key.result.rawValue), ("unit", key.unit)], n)
        }

        if let anchors {
            out.family("trustmend_anchors", .gauge, help: "Anchors trustmend installed and its ledger records, by route.")
            for route in RouteKind.allCases.sorted() { out.sample("trustmend_anchors", [("route", route.rawValue)], anchors[route] ?? 0) }
        }
        if let lastBatch {
            out.family(
                "trustmend_last_batch_timestamp_seconds", .gauge, help: "When the last batch of repairs and reports (or of the registry route's repairs, which do not wait for one) ended, in seconds since the epoch.")
            out.sample("trustmend_last_batch_timestamp_seconds", seconds: lastBatch)
        }
        return out.text
    }
}
