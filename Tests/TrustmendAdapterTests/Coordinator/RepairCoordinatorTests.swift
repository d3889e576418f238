import Testing
import TrustmendTesting

/// The daemon's decisions and restarts on fakes (`FakeRig`): no bus, no TLS server, no update tool,
/// so they run in a plain `swift test` with nothing installed. The fakes are held to the real adapters
/// by the contract suites (`Contracts/`), and `RepairCoordinatorBusTests` runs some of the same bodies
/// on the real components.
@Suite struct RepairCoordinatorTests {
    typealias S = CoordinatorScenarios

    @Test func aBatchInstallsEveryAnchorAndRestartsContainerdOnce() async throws { try await S.aBatchInstallsEveryAnchorAndRestartsContainerdOnce(FakeRig()) }
    @Test func restartsRespectTheMinimumIntervalAndHappenLater() async throws { try await S.restartsRespectTheMinimumIntervalAndHappenLater(FakeRig()) }
    @Test func forgedAndForeignEntriesCauseNothing() async throws { try await S.forgedAndForeignEntriesCauseNothing(FakeRig()) }
    @Test func aHostOutsideThePolicyIsReportedWithTheCommandOnce() async throws { try await S.aHostOutsideThePolicyIsReportedWithTheCommandOnce(FakeRig()) }
    @Test func reportModeInstallsNothing() async throws { try await S.reportModeInstallsNothing(FakeRig()) }
    @Test func theHourlyCapHoldsWithinOneBatch() async throws { try await S.theHourlyCapHoldsWithinOneBatch(FakeRig()) }
    @Test func anUnreachableHostFailsOnceAndIsBackedOff() async throws { try await S.anUnreachableHostFailsOnceAndIsBackedOff(FakeRig()) }

    @Test(arguments: CoordinatorScenarios.runtimes)
    func aKubeletFailureRestartsTheRuntimeInUse(running: [String], expected: String) async throws {
        try await S.aKubeletFailureRestartsTheRuntimeInUse(FakeRig(), running: running, expected: expected)
    }

    @Test func twoEnginesFailingOnOneRegistryAreBothRestarted() async throws { try await S.twoEnginesFailingOnOneRegistryAreBothRestarted(FakeRig()) }
    @Test func anAlreadyTrustedChainIsNotBackedOff() async throws { try await S.anAlreadyTrustedChainIsNotBackedOff(FakeRig()) }
    @Test func aFailureLoggedBeforeTheRestartOwesNoOther() async throws { try await S.aFailureLoggedBeforeTheRestartOwesNoOther(FakeRig()) }
    @Test func anUnwritableStateIsLoggedOnceAndRepairsGoOn() async throws { try await S.anUnwritableStateIsLoggedOnceAndRepairsGoOn(FakeRig()) }
    @Test func shutdownFinishesTheBatchInProgress() async throws { try await S.shutdownFinishesTheBatchInProgress(FakeRig()) }
    @Test func shutdownWhileCollectingKeepsTheBatchForTheNextStart() async throws { try await S.shutdownWhileCollectingKeepsTheBatchForTheNextStart(FakeRig()) }
    @Test func aPendingRepairSurvivesACrash() async throws { try await S.aPendingRepairSurvivesACrash(FakeRig()) }
    @Test func anInstallACrashLeftUnfinishedIsRolledBackAndRedone() async throws { try await S.anInstallACrashLeftUnfinishedIsRolledBackAndRedone(FakeRig()) }
    @Test func theRegistryRouteWritesCertsDAndRestartsNothing() async throws { try await S.theRegistryRouteWritesCertsDAndRestartsNothing(FakeRig()) }
    @Test func autoTakesTheSystemRouteWhereContainerdIgnoresCertsD() async throws { try await S.autoTakesTheSystemRouteWhereContainerdIgnoresCertsD(FakeRig()) }
    @Test func routeRegistryRefusesWhatTheEngineWouldNotRead() async throws { try await S.routeRegistryRefusesWhatTheEngineWouldNotRead(FakeRig()) }
    @Test func aPendingRegistryRepairResumesOnTheRegistryRoute() async throws { try await S.aPendingRegistryRepairResumesOnTheRegistryRoute(FakeRig()) }
    @Test func unlistedHostsAreFetchedWhenAsked() async throws { try await S.unlistedHostsAreFetchedWhenAsked(FakeRig()) }

    // Issue 16: induced failures (items 6, 8, 9).
    @Test func aLineAboutATrustedHostRestartsNothing() async throws { try await S.aLineAboutATrustedHostRestartsNothing(FakeRig()) }
    @Test func aPostponedRestartIsDroppedOnceTheEngineRestartedElsewhere() async throws {
        try await S.aPostponedRestartIsDroppedOnceTheEngineRestartedElsewhere(FakeRig())
    }
    @Test func deadPortsOfAnAllowedHostDenyNothing() async throws { try await S.deadPortsOfAnAllowedHostDenyNothing(FakeRig()) }
    @Test func aCapRefusalIsNoBackOff() async throws { try await S.aCapRefusalIsNoBackOff(FakeRig()) }
    @Test func anUnfixableLineSilencesNothing() async throws { try await S.anUnfixableLineSilencesNothing(FakeRig()) }
    @Test func reportModeStaysBoundedUnderAFloodOfDistinctHosts() async throws { try await S.reportModeStaysBoundedUnderAFloodOfDistinctHosts(FakeRig()) }
}

/// Some of the same bodies end to end on the real components: loopback TLS servers, the real
/// update-ca-certificates on a sandbox root, the JSON stores, the systemd stand-in on a private bus.
@Suite(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
struct RepairCoordinatorBusTests {
    typealias S = CoordinatorScenarios

    @Test func aBatchInstallsEveryAnchorAndRestartsContainerdOnce() async throws { try await S.aBatchInstallsEveryAnchorAndRestartsContainerdOnce(BusRig()) }
    @Test func restartsRespectTheMinimumIntervalAndHappenLater() async throws { try await S.restartsRespectTheMinimumIntervalAndHappenLater(BusRig()) }

    @Test(arguments: CoordinatorScenarios.runtimes)
    func aKubeletFailureRestartsTheRuntimeInUse(running: [String], expected: String) async throws {
        try await S.aKubeletFailureRestartsTheRuntimeInUse(BusRig(), running: running, expected: expected)
    }

    @Test func anAlreadyTrustedChainIsNotBackedOff() async throws { try await S.anAlreadyTrustedChainIsNotBackedOff(BusRig()) }
    @Test func shutdownFinishesTheBatchInProgress() async throws { try await S.shutdownFinishesTheBatchInProgress(BusRig()) }
    @Test func anInstallACrashLeftUnfinishedIsRolledBackAndRedone() async throws { try await S.anInstallACrashLeftUnfinishedIsRolledBackAndRedone(BusRig()) }
    @Test func theRegistryRouteWritesCertsDAndRestartsNothing() async throws { try await S.theRegistryRouteWritesCertsDAndRestartsNothing(BusRig()) }
    @Test func aHostOutsideThePolicyIsReportedWithTheCommandOnce() async throws { try await S.aHostOutsideThePolicyIsReportedWithTheCommandOnce(BusRig()) }
    @Test func aLineAboutATrustedHostRestartsNothing() async throws { try await S.aLineAboutATrustedHostRestartsNothing(BusRig()) }
    @Test func aPostponedRestartIsDroppedOnceTheEngineRestartedElsewhere() async throws {
        try await S.aPostponedRestartIsDroppedOnceTheEngineRestartedElsewhere(BusRig())
    }
    @Test func deadPortsOfAnAllowedHostDenyNothing() async throws { try await S.deadPortsOfAnAllowedHostDenyNothing(BusRig()) }
    @Test func aCapRefusalIsNoBackOff() async throws { try await S.aCapRefusalIsNoBackOff(BusRig()) }
    @Test func anUnfixableLineSilencesNothing() async throws { try await S.anUnfixableLineSilencesNothing(BusRig()) }
}
