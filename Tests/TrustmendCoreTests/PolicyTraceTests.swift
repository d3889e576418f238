import Testing
@testable import TrustmendCore

/// Issue 19, item 2: a trace contacts the registry the image names, so it is decided as a fetch of that
/// registry would be: trusted source, allowed (or `fetch.unlisted_hosts`), within the source's budget.
@Suite struct PolicyTraceTests {
    static let image = "registry.example:5000/team/app:1"
    static let engine = LogRecord(message: "", origin: .journal(unit: "docker.service", uid: 0), position: "c")

    static func policy(_ edit: (inout Configuration) throws -> Void = { _ in }, budget: FetchBudget = FetchBudget()) throws -> Policy {
        var config = Configuration()
        config.allow = [AllowRule(host: try HostPattern("registry.example"))]
        try edit(&config)
        return Policy(configuration: config, budget: budget)
    }

    @Test func anAllowedRegistryIsTraced() throws {
        var policy = try Self.policy()
        #expect(policy.decideTrace(Self.image, record: Self.engine, now: .zero)
            == .trace(registry: try Endpoint(host: "registry.example", port: 5000), source: .journal))
    }

    @Test func aRegistryOutsideTheAllowListIsNotContacted() throws {
        var policy = try Self.policy { $0.allow = [AllowRule(host: try HostPattern("cdn.example"))] }
        #expect(policy.decideTrace(Self.image, record: Self.engine, now: .zero) == .registryNotAllowed(try Endpoint(host: "registry.example", port: 5000)))
        var unlisted = try Self.policy {
            $0.allow = []
            $0.fetchUnlisted = true
        }
        guard case .trace = unlisted.decideTrace(Self.image, record: Self.engine, now: .zero) else {
            Issue.record("fetch.unlisted_hosts: true contacts hosts outside the list, a trace's registry too")
            return
        }
    }

    @Test(arguments: [
        LogRecord.Origin.journal(unit: "docker.service", uid: 0, transport: "journal", containerFields: true),
        .journal(unit: "kubelet.service", uid: 0, transport: "journal"),
        .journal(unit: "user@1000.service", uid: 1000),
        .journal(unit: "kubelet.service", uid: 1000),
    ])
    func anUntrustedSourceTracesNothing(_ origin: LogRecord.Origin) throws {
        var policy = try Self.policy { $0.trustAny = true }
        let record = LogRecord(message: "", origin: origin, position: "c")
        guard case .untrustedSource = policy.decideTrace(Self.image, record: record, now: .zero) else {
            Issue.record("traced from \(origin)")
            return
        }
        #expect(policy.untrustedSource(record) != nil)
    }

    /// Traces take places and fetches of the source's budget, as detections do, and a spent budget
    /// turns detections away too.
    @Test func tracesCountAgainstTheFetchBudget() throws {
        var policy = try Self.policy(budget: FetchBudget(waiting: 2, perHour: 3))
        let decisions = (0..<3).map { _ in policy.decideTrace(Self.image, record: Self.engine, now: .zero) }
        let registry = try Endpoint(host: "registry.example", port: 5000)
        #expect(decisions == [.trace(registry: registry, source: .journal), .trace(registry: registry, source: .journal),
                              .fetchBudgetSpent("2 detections from the journal are already waiting for their fetch")])
        policy.traceEnded(.journal)
        let freed = policy.decideTrace(Self.image, record: Self.engine, now: .zero)
        #expect(freed == .trace(registry: registry, source: .journal), "a place was freed")
        policy.traceEnded(.journal)
        let detection = Detection(line: 1, endpoint: try Endpoint(host: "registry.example", port: 5000), engine: .dockerd)
        #expect(policy.decide(detection, record: Self.engine, now: .seconds(1)) == .skip(.fetchBudgetSpent("3 fetches for detections from the journal in the last hour"), report: false))
    }
}
