import Testing
@testable import TrustmendCore

@Suite struct PolicyTests {
    static func config(_ edit: (inout Configuration) -> Void = { _ in }) throws -> Configuration {
        var c = Configuration()
        c.mode = .enforce
        c.allow = [AllowRule(host: try HostPattern("*.corp.example"), sha256: ["ab"]), AllowRule(host: try HostPattern("reg.test"), port: 5000)]
        c.backoff = .seconds(900)
        c.maxInstallsPerHour = 2
        edit(&c)
        return c
    }

    static func detection(_ host: String, _ port: Int = 443, fixable: Bool = true) throws -> Detection {
        Detection(line: 1, endpoint: try Endpoint(host: host, port: port), engine: .containerd, fixable: fixable)
    }

    static let containerd = LogRecord(message: "x509 line", origin: .journal(unit: "containerd.service", uid: 0), position: "c1")

    @Test(arguments: [
        LogRecord.Origin.journal(unit: "evil.service", uid: 0),
        .journal(unit: "containerd.service", uid: 1000),
        .journal(unit: nil, uid: 0),
        .journal(unit: "containerd.service", uid: nil),
    ])
    func forgedOrForeignEntriesAreSkippedQuietly(origin: LogRecord.Origin) throws {
        var policy = Policy(configuration: try Self.config())
        let record = LogRecord(message: "m", origin: origin, position: "p")
        guard case .skip(.untrustedSource, false) = policy.decide(try Self.detection("a.corp.example"), record: record, now: .zero) else {
            Issue.record("a forged entry must be skipped without a report")
            return
        }
    }

    /// Issue 16, item 1, the second defence: a container's output an engine forwarded (dockerd's journald
    /// log driver: native protocol, `CONTAINER_*` fields) that slipped past the journal match is refused,
    /// with a reason that says so, even under `trust_any`; the engine's own stderr line is approved.
    @Test(arguments: [
        (LogRecord.Origin.journal(unit: "docker.service", uid: 0, transport: "journal", containerFields: true), "CONTAINER_"),
        (.journal(unit: "docker.service", uid: 0, transport: "stdout", containerFields: true), "CONTAINER_"),
        (.journal(unit: "docker.service", uid: 0, transport: "journal", containerFields: false), "_TRANSPORT=journal"),
        (.journal(unit: "containerd.service", uid: 0, transport: "syslog", containerFields: false), "_TRANSPORT=syslog"),
        (.journal(unit: "containerd.service", uid: 0, transport: nil, containerFields: false), "_TRANSPORT=missing"),
    ])
    func workloadTextForwardedByAnEngineIsRefused(origin: LogRecord.Origin, why: String) throws {
        for trustAny in [false, true] {
            var policy = Policy(configuration: try Self.config { $0.trustAny = trustAny; $0.allow = trustAny ? [] : $0.allow })
            let record = LogRecord(message: "m", origin: origin, position: "p")
            guard case .skip(let reason, false) = policy.decide(try Self.detection("a.corp.example"), record: record, now: .zero),
                case .untrustedSource(let text) = reason
            else {
                Issue.record("a container's line must be refused (trust_any: \(trustAny))")
                continue
            }
            #expect(text.contains(why), "\(text)")
            #expect(reason.description.contains("not from a trusted engine unit"))
        }
        var policy = Policy(configuration: try Self.config())
        let own = LogRecord(message: "m", origin: .journal(unit: "docker.service", uid: 0, transport: "stdout", containerFields: false), position: "p")
        guard case .act = policy.decide(try Self.detection("a.corp.example"), record: own, now: .zero) else {
            Issue.record("the engine's own line must be approved")
            return
        }
    }

    /// Issue 16, item 10: a log file's ownership is not provenance (a root-owned syslog file carries any
    /// user's `logger` line). A line from `sources.files` repairs only under a rule with pins; otherwise,
    /// `trust_any` included, it is reported (fetched, never installed, and no cap slot taken).
    @Test func aLogFileLineRepairsOnlyUnderAPinnedRule() throws {
        let file = LogRecord(message: "x509 line", origin: .file(path: "/var/log/syslog"), position: "/var/log/syslog:1")
        var policy = Policy(configuration: try Self.config())
        guard case .act(let pinned) = policy.decide(try Self.detection("a.corp.example"), record: file, now: .zero),
            case .act(let unpinned) = policy.decide(try Self.detection("reg.test", 5000), record: file, now: .zero)
        else {
            Issue.record("allowed hosts from a log file must be approved")
            return
        }
        #expect(!pinned.reportOnly, "a pinned rule repairs")
        #expect(pinned.pins == ["ab"])
        #expect(unpinned.reportOnly, "an unpinned rule only reports a log file's line")

        var any = Policy(configuration: try Self.config { $0.allow = []; $0.trustAny = true; $0.maxInstallsPerHour = 1 })
        for host in ["x.example", "y.example"] {
            guard case .act(let approval) = any.decide(try Self.detection(host), record: file, now: .zero) else {
                Issue.record("trust_any reports a log file's line (\(host)), the cap untouched")
                continue
            }
            #expect(approval.reportOnly)
        }

        // The same unpinned host from the journal repairs.
        var journal = Policy(configuration: try Self.config())
        guard case .act(let fromJournal) = journal.decide(try Self.detection("reg.test", 5000), record: Self.containerd, now: .zero) else {
            Issue.record("the journal line must be approved")
            return
        }
        #expect(!fromJournal.reportOnly)
    }

    @Test func allowedHostIsApprovedWithTheRulesPins() throws {
        var policy = Policy(configuration: try Self.config())
        guard case .act(let approval) = policy.decide(try Self.detection("a.corp.example"), record: Self.containerd, now: .zero) else {
            Issue.record("an allowed host must be approved")
            return
        }
        #expect(approval.pins == ["ab"])
        #expect(!approval.reportOnly)
    }

    @Test func portMustMatchWhenTheRuleNamesOne() throws {
        var policy = Policy(configuration: try Self.config())
        guard case .skip(.notAllowed, true) = policy.decide(try Self.detection("reg.test", 443), record: Self.containerd, now: .zero) else {
            Issue.record("reg.test:443 is not allowed by a rule for port 5000")
            return
        }
        guard case .act = policy.decide(try Self.detection("reg.test", 5000), record: Self.containerd, now: .zero) else {
            Issue.record("reg.test:5000 is allowed")
            return
        }
    }

    @Test func aHostOutsideThePolicyIsReportedOncePerBackoff() throws {
        var policy = Policy(configuration: try Self.config())
        let d = try Self.detection("evil.example")
        guard case .skip(.notAllowed, true) = policy.decide(d, record: Self.containerd, now: .zero) else { Issue.record("first: report"); return }
        guard case .skip(.notAllowed, false) = policy.decide(d, record: Self.containerd, now: .seconds(899)) else { Issue.record("quiet within back-off"); return }
        guard case .skip(.notAllowed, true) = policy.decide(d, record: Self.containerd, now: .seconds(901)) else { Issue.record("report again after"); return }
    }

    @Test func theHourlyCapHoldsAndSlides() throws {
        var policy = Policy(configuration: try Self.config())
        for (i, host) in ["a", "b"].enumerated() {
            guard case .act(let a) = policy.decide(try Self.detection("\(host).corp.example"), record: Self.containerd, now: .seconds(i)) else {
                Issue.record("under the cap"); return
            }
            policy.finished(a.endpoint, .installed, now: .seconds(i))
        }
        guard case .skip(.hourlyCapReached(2), true) = policy.decide(try Self.detection("c.corp.example"), record: Self.containerd, now: .seconds(10)) else {
            Issue.record("the third install in an hour must wait"); return
        }
        guard case .act = policy.decide(try Self.detection("d.corp.example"), record: Self.containerd, now: .seconds(3602)) else {
            Issue.record("an hour later the cap has room again"); return
        }
    }

    /// Past the cap, a registry repaired before is still let through, with installs vetoed: its new failure
    /// may need only a restart, and must not be refused "for the cap". A new registry still waits.
    @Test func pastTheCapARepairedEndpointIsCheckedButMayNotInstall() throws {
        var policy = Policy(configuration: try Self.config())
        for (i, host) in ["a", "b"].enumerated() {
            guard case .act(let a) = policy.decide(try Self.detection("\(host).corp.example"), record: Self.containerd, now: .seconds(i)) else {
                Issue.record("under the cap"); return
            }
            #expect(a.installVeto == nil)
            policy.finished(a.endpoint, .installed, now: .seconds(i))
        }
        guard case .act(let again) = policy.decide(try Self.detection("a.corp.example"), record: Self.containerd, now: .seconds(10)) else {
            Issue.record("a repaired registry failing again is checked past the cap"); return
        }
        #expect(again.installVeto == .hourlyCapReached(2))
        policy.finished(again.endpoint, .unchanged, now: .seconds(10))
        guard case .skip(.hourlyCapReached(2), true) = policy.decide(try Self.detection("c.corp.example"), record: Self.containerd, now: .seconds(11)) else {
            Issue.record("a registry never repaired waits for the cap"); return
        }
    }

    @Test func aQueuedEndpointIsNotQueuedTwiceAndAFailureBacksOff() throws {
        var policy = Policy(configuration: try Self.config())
        let d = try Self.detection("a.corp.example")
        guard case .act = policy.decide(d, record: Self.containerd, now: .zero) else { Issue.record("first"); return }
        guard case .skip(.alreadyQueued, false) = policy.decide(d, record: Self.containerd, now: .seconds(1)) else { Issue.record("dup"); return }
        policy.finished(d.endpoint!, .failed, now: .seconds(2))
        guard case .skip(.coolingDown, false) = policy.decide(d, record: Self.containerd, now: .seconds(3)) else { Issue.record("backoff"); return }
    }

    @Test func reportModeApprovesAsReportOnlyAndUnfixableIsReported() throws {
        var policy = Policy(configuration: try Self.config { $0.mode = .report })
        guard case .act(let a) = policy.decide(try Self.detection("a.corp.example"), record: Self.containerd, now: .zero), a.reportOnly else {
            Issue.record("report mode still decides, as report-only"); return
        }
        guard case .skip(.unfixable, true) = policy.decide(try Self.detection("b.corp.example", fixable: false), record: Self.containerd, now: .zero) else {
            Issue.record("unfixable"); return
        }
    }

    @Test func trustAnyAllowsEveryHost() throws {
        var policy = Policy(configuration: try Self.config { $0.allow = []; $0.trustAny = true })
        guard case .act(let a) = policy.decide(try Self.detection("anything.example"), record: Self.containerd, now: .zero) else {
            Issue.record("trust_any"); return
        }
        #expect(a.rule == nil && a.pins.isEmpty)
    }

    @Test func aFloodOfDistinctHostsStaysBounded() throws {
        var policy = Policy(configuration: try Self.config(), maxTracked: 1000)
        for i in 0..<20_000 {
            _ = policy.decide(try Self.detection("h\(i).flood.example"), record: Self.containerd, now: .milliseconds(i))
        }
        #expect(policy.trackedHosts <= 1000)
    }
}
