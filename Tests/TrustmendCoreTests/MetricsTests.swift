import FoundationEssentials
import Testing
@testable import TrustmendCore
import TrustmendTesting

/// `trustmend.prom` (issue 17, item 3): what is counted, under which labels, and that the text keeps
/// the exposition format's rules (`Exposition`) whatever a label carries.
@Suite struct MetricsTests {
    static let started = Date(timeIntervalSince1970: 1_800_000_000.25)
    static let units = EngineUnit.allCases.map(\.name)

    func metrics(units: [String] = Self.units, build: [String: String] = ["version": "0.1.0", "openssl": "OpenSSL 3.0.15 3 Sep 2024"]) -> Metrics {
        Metrics(units: units, started: Self.started, build: build)
    }

    func entry(_ host: String, _ route: RouteKind, _ state: LedgerEntry.State) -> LedgerEntry {
        LedgerEntry(
            host: host, port: 443, sha256: String(repeating: "ab", count: 32), subject: "CN=CA", issuer: "CN=CA", notAfter: Self.started,
            files: ["/x/\(host).crt"], route: route, installedAt: Self.started, reason: "a line", state: state)
    }

    @Test func aFreshFileHasEverySeriesAtZeroAndFollowsTheFormat() throws {
        let text = metrics().text(anchors: [.system: 0, .registry: 0])
        let file = try Exposition(text)
        #expect(file.types == [
            "trustmend_build_info": "gauge", "trustmend_start_time_seconds": "gauge", "trustmend_detections_total": "counter",
            "trustmend_repairs_total": "counter", "trustmend_reports_total": "counter", "trustmend_restarts_total": "counter",
            "trustmend_anchors": "gauge",
        ])
        #expect(file.value("trustmend_build_info", ["version": "0.1.0", "openssl": "OpenSSL 3.0.15 3 Sep 2024"]) == 1)
        #expect(file.value("trustmend_start_time_seconds") == 1_800_000_000.25)
        #expect(text.contains("trustmend_start_time_seconds 1800000000.250\n"))
        for unit in Self.units { #expect(file.value("trustmend_detections_total", ["unit": unit]) == 0) }
        for route in ["system", "registry"] {
            for result in ["installed", "already_trusted", "failed", "capped"] {
                #expect(file.value("trustmend_repairs_total", ["route": route, "result": result]) == 0, "\(route) \(result)")
            }
        }
        // Restarts for every unit trustmend may restart; kubelet's failures restart the runtime, never kubelet.
        for unit in ["containerd.service", "docker.service", "crio.service"] {
            for result in ["completed", "failed", "deferred"] { #expect(file.value("trustmend_restarts_total", ["unit": unit, "result": result]) == 0) }
        }
        #expect(!file.samples.contains { $0.name == "trustmend_restarts_total" && $0.labels["unit"] == "kubelet.service" })
        #expect(file.value("trustmend_reports_total") == 0)
        #expect(file.value("trustmend_anchors", ["route": "system"]) == 0)
        #expect(file.samples.allSatisfy { $0.name != "trustmend_last_batch_timestamp_seconds" }, "no batch yet: no time")
    }

    @Test func eachEventIsCountedUnderItsLabels() throws {
        var m = metrics()
        m.record(.detected, unit: "containerd.service")
        m.record(.detected, unit: "containerd.service")
        m.record(.detected, unit: nil)  // a log file's line
        m.record(.reported, unit: nil)
        m.record(.restartCompleted, unit: "containerd.service")
        m.record(.restartDeferred, unit: "docker.service")
        m.record(.restartFailed, unit: "docker.service")
        m.record(.installed, unit: "containerd.service")  // repairs are counted where an approval ends, not by event
        m.record(.refused, unit: "containerd.service")
        m.record(repair: .installed, route: .system)
        m.record(repair: .unchanged, route: .system)
        m.record(repair: .failed, route: .registry)
        m.record(repair: .capped, route: .registry)
        m.record(repair: .reported, route: .system)  // report mode repairs nothing
        m.lastBatch = Date(timeIntervalSince1970: 1_800_000_060.5)
        let file = try Exposition(m.text(anchors: [.system: 2, .registry: 1]))
        #expect(file.value("trustmend_detections_total", ["unit": "containerd.service"]) == 2)
        #expect(file.value("trustmend_detections_total", ["unit": ""]) == 1)
        #expect(file.value("trustmend_detections_total", ["unit": "docker.service"]) == 0)
        #expect(file.value("trustmend_reports_total") == 1)
        #expect(file.value("trustmend_restarts_total", ["unit": "containerd.service", "result": "completed"]) == 1)
        #expect(file.value("trustmend_restarts_total", ["unit": "docker.service", "result": "deferred"]) == 1)
        #expect(file.value("trustmend_restarts_total", ["unit": "docker.service", "result": "failed"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "installed"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "system", "result": "already_trusted"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "registry", "result": "failed"]) == 1)
        #expect(file.value("trustmend_repairs_total", ["route": "registry", "result": "capped"]) == 1)
        #expect(file.samples.filter { $0.name == "trustmend_repairs_total" }.map(\.value).reduce(0, +) == 4)
        #expect(file.value("trustmend_anchors", ["route": "system"]) == 2)
        #expect(file.value("trustmend_anchors", ["route": "registry"]) == 1)
        #expect(file.value("trustmend_last_batch_timestamp_seconds") == 1_800_000_060.5)
    }

    /// Label values from outside (a journal unit name) come from a closed set: a flood of names cannot
    /// add series, and a name built to break the file is not written at all.
    @Test func aUnitOutsideTheConfigurationIsCountedAsOther() throws {
        var m = metrics(units: ["containerd.service"])
        let before = try Exposition(m.text(anchors: nil)).samples.count
        for i in 0..<10_000 { m.record(.detected, unit: "evil-\(i).service") }
        m.record(.restartFailed, unit: "x\"} 1\ntrustmend_reports_total 99\n\\.service")
        let text = m.text(anchors: nil)
        let file = try Exposition(text)
        #expect(file.samples.count == before + 2, "one 'other' series each for detections and failed restarts")
        #expect(file.value("trustmend_detections_total", ["unit": "other"]) == 10_000)
        #expect(file.value("trustmend_restarts_total", ["unit": "other", "result": "failed"]) == 1)
        #expect(file.value("trustmend_reports_total") == 0)
        #expect(!text.contains("evil"))
    }

    /// Whatever a label value holds, it stays inside its quotes: backslash, quote and newline are
    /// escaped, and the value reads back as it was.
    @Test(arguments: ["plain", "back\\slash", "a \"quoted\" word", "two\nlines", "\\\"\n\\n", "trailing\\", "ünïcode ✓", ""])
    func labelValuesAreEscapedAndReadBack(_ value: String) throws {
        let text = metrics(build: ["version": value]).text(anchors: nil)
        let file = try Exposition(text)
        #expect(file.value("trustmend_build_info", ["version": value]) == 1, "\(text)")
        #expect(text.split(separator: "\n").count == file.samples.count + 2 * file.types.count)
    }

    @Test func helpTextIsEscaped() {
        var out = PrometheusText()
        out.family("x_total", .counter, help: "a \\ and a\nnewline, \"quotes\" kept")
        #expect(out.text == "# HELP x_total a \\\\ and a\\nnewline, \"quotes\" kept\n# TYPE x_total counter\n")
    }

    /// The checker itself: each rule it holds the file to fails on a file that breaks it.
    @Test(arguments: [
        "# HELP a_total x\n# TYPE a_total counter\na_total 1",  // no final newline
        "# HELP a_total x\n# TYPE a_total counter\na_total{u=\"x\"} 1\na_total{v=\"x\"} 1\n",  // label names differ
        "# HELP a_total x\n# TYPE a_total counter\na_total{u=\"x\"} 1\na_total{u=\"x\"} 2\n",  // a series twice
        "# HELP a_total x\n# TYPE a_total counter\na_total{u=\"a\\tb\"} 1\n",  // an escape the format lacks
        "# HELP a_total x\n# TYPE a_total counter\na_total{u=\"a\"b\"} 1\n",  // a bare quote
        "# HELP a x\n# TYPE a counter\na 1\n",  // a counter without _total
        "# HELP a_total x\n# TYPE a_total gauge\na_total 1\n",  // _total on a gauge
        "# TYPE a_total counter\na_total 1\n",  // no HELP
        "# HELP a_total x\n# TYPE a_total counter\na_total 1 1800000000000\n",  // a timestamp
        "# HELP a_total x\n# TYPE a_total counter\na_total -1\n",  // a negative counter
        "# HELP a_total x\n# TYPE a_total counter\n# HELP b x\n# TYPE b gauge\nb 1\na_total 1\n",  // interleaved
        "# HELP a_info x\n# TYPE a_info gauge\na_info 2\n",  // info not 1
        "# HELP a_total x\n# TYPE a_total counter\na_total{__u=\"x\"} 1\n",  // reserved label name
    ])
    func theCheckerRefusesABrokenFile(_ text: String) {
        #expect(throws: Exposition.Violation.self) { try Exposition(text) }
    }

    @Test func anchorsAreTheLedgersInstalledEntriesPerRoute() {
        let ledger = Ledger(entries: [
            entry("a.test", .system, .installed), entry("b.test", .system, .installed), entry("c.test", .system, .pending),
            entry("r.test", .registry, .installed),
        ])
        #expect(Metrics.anchors(in: ledger) == [.system: 2, .registry: 1])
        #expect(Metrics.anchors(in: Ledger()) == [.system: 0, .registry: 0])
    }

    @Test func aReloadAddsItsUnitsAndKeepsTheOthers() throws {
        var m = metrics(units: ["containerd.service"])
        m.record(.detected, unit: "containerd.service")
        m.allow(units: ["crio.service", "my-engine.service"])
        m.record(.detected, unit: "my-engine.service")
        let file = try Exposition(m.text(anchors: nil))
        #expect(file.value("trustmend_detections_total", ["unit": "containerd.service"]) == 1)
        #expect(file.value("trustmend_detections_total", ["unit": "my-engine.service"]) == 1)
        #expect(file.value("trustmend_detections_total", ["unit": "crio.service"]) == 0)
        #expect(file.value("trustmend_restarts_total", ["unit": "my-engine.service", "result": "completed"]) == 0)
    }

    @Test func theDirectoryIsTheDefaultOnlyWhereItExists() {
        var config = Configuration()
        #expect(config.metricsTextfileDirectory == "/var/lib/prometheus/node-exporter")
        #expect(config.metricsDirectory { _ in true } == "/var/lib/prometheus/node-exporter")
        #expect(config.metricsDirectory { _ in false } == nil, "no node_exporter: nothing written, nothing said")
        config.metricsTextfileDirectory = "/srv/textfiles"
        #expect(config.metricsDirectory { _ in false } == "/srv/textfiles", "a directory the operator named is tried, and its failure said")
        config.metricsTextfileDirectory = ""
        #expect(config.metricsDirectory { _ in true } == nil)
    }
}
