import Testing
@testable import TrustmendCore

/// What lines anyone can write must not make the policy do (issue 16, items 8 and 9): deny a genuine
/// registry its repair (the cap filled by approvals that never reach a fetch, a cap refusal or an
/// unfixable line that backs the endpoint off), or queue and fetch without bound.
@Suite struct PolicyLimitsTests {
    typealias P = PolicyTests

    static func decide(_ policy: inout Policy, _ host: String, _ port: Int = 443, fixable: Bool = true, record: LogRecord = P.containerd, at seconds: Int)
        throws -> PolicyDecision
    {
        policy.decide(try P.detection(host, port, fixable: fixable), record: record, now: .seconds(seconds))
    }

    static func approval(_ decision: PolicyDecision) -> Approval? {
        if case .act(let approval) = decision { return approval }
        return nil
    }

    /// Item 8, the attack: ten lines naming dead ports of an allowed host used to fill the hourly cap
    /// (queued approvals counted) and the genuine registry got "cap reached" plus the back-off. Now only
    /// what reached a fetch and installs takes a slot: the dead ports never do.
    @Test func approvalsThatNeverReachAFetchTakeNoSlotOfTheCap() throws {
        var policy = Policy(configuration: try P.config { $0.maxInstallsPerHour = 10 })
        let dead = try (1...10).map { port in try #require(Self.approval(try Self.decide(&policy, "a.corp.example", port, at: 0))) }
        guard let genuine = Self.approval(try Self.decide(&policy, "registry.corp.example", at: 1)) else {
            Issue.record("the genuine registry must be approved while dead ports wait for their fetch")
            return
        }
        for approval in dead { policy.finished(approval.endpoint, .failed, now: .seconds(2)) }
        #expect(policy.reserveInstall(genuine.endpoint, now: .seconds(3)) == nil, "a slot of the cap is free at install time")
        policy.finished(genuine.endpoint, .installed, now: .seconds(3))
    }

    /// Item 8: the burst guarantee stays, checked at install time: three fetched approvals and a cap of
    /// two, the third is vetoed; its refusal is not a back-off, so its next failure is decided again.
    @Test func theCapIsCheckedAgainAtInstallTimeAndARefusalIsNoBackOff() throws {
        var policy = Policy(configuration: try P.config { $0.backoff = .seconds(7200) })
        let approvals = try ["a", "b", "c"].map { try #require(Self.approval(try Self.decide(&policy, "\($0).corp.example", at: 0))) }
        #expect(approvals.map { policy.reserveInstall($0.endpoint, now: .seconds(1)) } == [nil, nil, .hourlyCapReached(2)])
        policy.finished(approvals[0].endpoint, .installed, now: .seconds(2))
        policy.finished(approvals[1].endpoint, .installed, now: .seconds(2))
        policy.finished(approvals[2].endpoint, .capped, now: .seconds(2))

        guard case .skip(.hourlyCapReached(2), true) = try Self.decide(&policy, "c.corp.example", at: 10) else {
            Issue.record("within the hour the cap holds, and the refusal is reported")
            return
        }
        guard case .skip(.hourlyCapReached(2), false) = try Self.decide(&policy, "c.corp.example", at: 20) else {
            Issue.record("the report is not repeated within the back-off")
            return
        }
        // An hour on the cap has room; the back-off (two hours) would still hold c off had it been one.
        guard Self.approval(try Self.decide(&policy, "c.corp.example", at: 3602)) != nil else {
            Issue.record("a cap refusal must never back the endpoint off")
            return
        }
    }

    /// Item 8: one forged "insecure algorithm" line per back-off period used to silence a registry for
    /// good. It is reported (once per back-off), and the registry's next failure is acted on.
    @Test func anUnfixableLineIsReportedAndBacksNothingOff() throws {
        var policy = Policy(configuration: try P.config())
        guard case .skip(.unfixable, true) = try Self.decide(&policy, "a.corp.example", fixable: false, at: 0) else {
            Issue.record("an unfixable failure is reported")
            return
        }
        guard case .skip(.unfixable, false) = try Self.decide(&policy, "a.corp.example", fixable: false, at: 1) else {
            Issue.record("its report is rate-limited")
            return
        }
        let genuine = try Self.decide(&policy, "a.corp.example", at: 2)
        #expect(Self.approval(genuine) != nil, "the genuine failure right after is repaired")
    }

    /// Item 8, the same rule for reports: a log file's line about an allowed, unpinned host is reported
    /// (any user writes syslog); that report must not back off the journal's repair of the same host.
    @Test func aReportNeverHoldsOffARepair() throws {
        var policy = Policy(configuration: try P.config())
        let syslog = LogRecord(message: "x509 line", origin: .file(path: "/var/log/syslog"), position: "/var/log/syslog:1")
        let reported = try #require(Self.approval(try Self.decide(&policy, "reg.test", 5000, record: syslog, at: 0)))
        #expect(reported.reportOnly)
        policy.finished(reported.endpoint, .reported, now: .seconds(1))
        guard case .skip(.coolingDown, false) = try Self.decide(&policy, "reg.test", 5000, record: syslog, at: 2) else {
            Issue.record("the report is not repeated within the back-off")
            return
        }
        let repair = try #require(Self.approval(try Self.decide(&policy, "reg.test", 5000, at: 3)), "the engine's own line is repaired")
        #expect(!repair.reportOnly)
    }

    /// Item 9: report mode (the package default) fetched every distinct allowed host it was shown
    /// (60,000 took 155 MB). Twenty thousand hosts in one minute: sixteen wait for their fetch, the rest are
    /// dropped and counted, said once with the count; within the hour at most 120 are let through; the
    /// tables stay bounded.
    @Test func reportModeStaysBoundedUnderAFloodOfDistinctAllowedHosts() throws {
        var policy = Policy(configuration: try P.config { $0.mode = .report }, maxTracked: 1000)
        var approved: [Approval] = []
        for i in 0..<20_000 {
            if let a = Self.approval(try Self.decide(&policy, "h\(i).corp.example", at: i / 1000)) { approved.append(a) }
        }
        #expect(approved.count == FetchBudget.defaultWaiting)
        #expect(approved.allSatisfy { $0.reportOnly })
        #expect(policy.queuedCount == FetchBudget.defaultWaiting)
        #expect(policy.budgetState(.journal).dropped == 20_000 - FetchBudget.defaultWaiting)
        #expect(policy.budgetAnnouncements(now: .seconds(30)) == [FetchBudget.Drops(source: .journal, count: 20_000 - FetchBudget.defaultWaiting)])
        #expect(policy.budgetAnnouncements(now: .seconds(31)).isEmpty, "said once per back-off period, not per host")

        // Batch after batch within the hour: each ends its approvals, the flood goes on.
        for round in 0..<40 {
            for a in approved { policy.finished(a.endpoint, .reported, now: .seconds(60 + round)) }
            approved = []
            for i in 0..<1000 {
                if let a = Self.approval(try Self.decide(&policy, "r\(round)-\(i).corp.example", at: 60 + round)) { approved.append(a) }
            }
        }
        #expect(policy.queuedCount <= FetchBudget.defaultWaiting)
        #expect(policy.trackedHosts <= 1000, "the report table is bounded too")
        // A steady trickle over an hour, each approval ended at once: the hourly budget is the bound.
        var later = Policy(configuration: try P.config { $0.mode = .report })
        var total = 0
        for minute in 0..<60 {
            for i in 0..<100 {
                if let a = Self.approval(try Self.decide(&later, "m\(minute)-\(i).corp.example", at: minute * 60)) {
                    total += 1
                    later.finished(a.endpoint, .reported, now: .seconds(minute * 60))
                }
            }
        }
        #expect(total == FetchBudget.defaultPerHour, "at most \(FetchBudget.defaultPerHour) fetches in any hour")
        guard Self.approval(try Self.decide(&later, "next-hour.corp.example", at: 3601)) != nil else {
            Issue.record("the hour slides: room again")
            return
        }
    }

    /// Item 9, and item 8's denial by a flood: each source has its own budget, so lines anyone can write
    /// to a log file never take the journal's places (nor the other way round).
    @Test func aFloodFromOneSourceLeavesTheOthersBudgetAlone() throws {
        let glob = try HostPattern("*.corp.example")
        var policy = Policy(configuration: try P.config { $0.allow = [AllowRule(host: glob)] })
        let syslog = LogRecord(message: "x509 line", origin: .file(path: "/var/log/syslog"), position: "/var/log/syslog:1")
        for i in 0..<1000 { _ = try Self.decide(&policy, "f\(i).corp.example", record: syslog, at: 0) }
        let spent = policy.budgetState(.file("/var/log/syslog"))
        #expect(spent.waiting == FetchBudget.defaultWaiting && spent.dropped == 1000 - FetchBudget.defaultWaiting)
        guard let genuine = Self.approval(try Self.decide(&policy, "registry.corp.example", at: 1)) else {
            Issue.record("the journal's line is approved while the syslog file's budget is spent")
            return
        }
        #expect(!genuine.reportOnly)
        #expect(policy.budgetState(.journal).waiting == 1)
    }
}
