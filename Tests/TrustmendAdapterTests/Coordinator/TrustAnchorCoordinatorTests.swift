import Testing
import TrustmendTesting

/// Issue 16, items 2 and 3 through the daemon, on fakes and on the real components (loopback TLS
/// servers, the real update-ca-certificates and certs.d on a sandbox root, the JSON stores, the systemd
/// stand-in on a private bus).
@Suite struct TrustAnchorCoordinatorTests {
    typealias S = CoordinatorScenarios

    @Test func aChangedAnchorIsRefusedAndLoggedWithBothFingerprints() async throws { try await S.aChangedAnchorIsRefusedAndLoggedWithBothFingerprints(FakeRig()) }
    @Test func aRegistryTheRuleDoesNotListIsNeverWritten() async throws { try await S.aRegistryTheRuleDoesNotListIsNeverWritten(FakeRig()) }
    @Test func aRegistryTheRuleListsIsWrittenAndTheLedgerNamesTheRule() async throws {
        try await S.aRegistryTheRuleListsIsWrittenAndTheLedgerNamesTheRule(FakeRig())
    }
}

@Suite(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
struct TrustAnchorCoordinatorBusTests {
    typealias S = CoordinatorScenarios

    @Test func aChangedAnchorIsRefusedAndLoggedWithBothFingerprints() async throws { try await S.aChangedAnchorIsRefusedAndLoggedWithBothFingerprints(BusRig()) }
    @Test func aRegistryTheRuleDoesNotListIsNeverWritten() async throws { try await S.aRegistryTheRuleDoesNotListIsNeverWritten(BusRig()) }
    @Test func aRegistryTheRuleListsIsWrittenAndTheLedgerNamesTheRule() async throws {
        try await S.aRegistryTheRuleListsIsWrittenAndTheLedgerNamesTheRule(BusRig())
    }
}
