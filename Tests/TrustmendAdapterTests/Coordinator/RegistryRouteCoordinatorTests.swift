import Testing
import TrustmendTesting

/// Issue 17, item 4 through the daemon: registry-route repairs at once, system-route ones batched, their
/// ledger transactions in turn; on fakes and on the real components (loopback TLS servers, the real
/// update-ca-certificates and certs.d on a sandbox root, the JSON stores, the systemd stand-in on a
/// private bus).
@Suite struct RegistryRouteCoordinatorTests {
    typealias S = CoordinatorScenarios

    @Test func aRegistryRouteRepairDoesNotWaitForTheDebounce() async throws { try await S.aRegistryRouteRepairDoesNotWaitForTheDebounce(FakeRig()) }
    @Test func aRegistryRepairDuringASystemBatchKeepsBothInTheLedger() async throws {
        try await S.aRegistryRepairDuringASystemBatchKeepsBothInTheLedger(FakeRig())
    }
    @Test func shutdownFinishesTheRegistryRepairInProgress() async throws { try await S.shutdownFinishesTheRegistryRepairInProgress(FakeRig()) }
}

@Suite(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
struct RegistryRouteCoordinatorBusTests {
    typealias S = CoordinatorScenarios

    @Test func aRegistryRouteRepairDoesNotWaitForTheDebounce() async throws { try await S.aRegistryRouteRepairDoesNotWaitForTheDebounce(BusRig()) }
    @Test func aRegistryRepairDuringASystemBatchKeepsBothInTheLedger() async throws {
        try await S.aRegistryRepairDuringASystemBatchKeepsBothInTheLedger(BusRig())
    }
}
