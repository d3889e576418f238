import FoundationEssentials
import Testing
@testable import TrustmendCore
import TrustmendTesting

/// What authorised a repair reaches the ledger (issue 16, item 3): the rule's host pattern, "trust_any"
/// or "manual".
@Suite struct AuthorisingRuleTests {
    @Test func pendingEntriesRecordTheRequestsRule() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        let site = InstallSite(route: .system, plannedFiles: { $0.map { "/usr/local/share/ca-certificates/trustmend-\($0.sha256.prefix(16)).crt" } })
        let planner = RepairPlanner(profile: .profile(for: .debian), site: site, ledger: Ledger(), now: TestChain.now)
        for (rule, expected) in [("*.corp.example", "*.corp.example"), ("trust_any", "trust_any")] {
            guard case .install(_, let pending) = planner.plan(RepairRequest(endpoint: chain.endpoint, rule: rule), chain: chain, trusted: false) else {
                Issue.record("not an install")
                continue
            }
            #expect(pending.map(\.rule) == [expected])
        }
        guard case .install(_, let manual) = planner.plan(RepairRequest(endpoint: chain.endpoint), chain: chain, trusted: false) else {
            Issue.record("not an install")
            return
        }
        #expect(manual.map(\.rule) == ["manual"], "trustmend fix's requests are the operator's")
    }

    @Test func anApprovalNamesItsRuleOrTrustAny() throws {
        let endpoint = try Endpoint(host: "registry.corp.example", port: 5000)
        let detection = Detection(line: 1, endpoint: endpoint, engine: .containerd, reference: nil, path: nil)
        var approval = Approval(
            endpoint: endpoint, detection: detection, rule: nil, choice: .topCA, pins: [], route: .auto, reason: "", reportOnly: false)
        #expect(approval.authority == "trust_any")
        approval.rule = AllowRule(host: try HostPattern("*.corp.example"), port: 5000)
        #expect(approval.authority == "*.corp.example:5000")
        approval.rule = AllowRule(host: try HostPattern("[fd00::1]"))
        #expect(approval.authority == "[fd00::1]")
    }
}
