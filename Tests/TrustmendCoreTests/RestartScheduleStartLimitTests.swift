import FoundationEssentials
import Testing
@testable import TrustmendCore

/// `RestartSchedule` holds a restart that would take a unit into its start limit, whatever
/// `restart.min_interval` says (issue 19, item 3).
@Suite struct RestartScheduleStartLimitTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let docker = StartLimit(burst: 3, interval: .seconds(60))

    static func unit(limit: StartLimit? = docker, stopsWith: [String] = []) -> UnitState {
        UnitState(loadState: "loaded", activeState: "active", subState: "running", mainPID: 10, environment: [], stopsWith: stopsWith,
            mainStarted: t0 - 3600, startLimit: limit)
    }

    static func config(minInterval: Duration = .seconds(1)) -> Configuration {
        var config = Configuration()
        config.restartMinInterval = minInterval
        return config
    }

    @Test func aRestartThatWouldReachTheLimitWaitsAndStaysOwed() {
        let facts = EngineFacts(containerd: Self.unit(), docker: Self.unit(), dockerLiveRestore: true)
        let starts = ["docker.service": UnitStarts(times: [Self.t0 - 50, Self.t0 - 20])]
        let schedule = RestartSchedule(
            owed: ["containerd.service", "docker.service"], facts: facts, others: [:], configuration: Self.config(),
            lastRestart: ["docker.service": Self.t0 - 20], now: Self.t0, starts: starts)
        #expect(schedule.steps == [
            .restart(unit: "containerd.service", warning: nil),
            .startLimited(unit: "docker.service", until: Self.t0 + 11, limited: "docker.service", started: 2, limit: Self.docker),
        ])
        #expect(schedule.stillOwed == ["docker.service"])
        #expect(schedule.retryAfter == .seconds(11))
        let without = RestartSchedule(
            owed: ["docker.service"], facts: EngineFacts(containerd: nil, docker: Self.unit(limit: nil), dockerLiveRestore: true), others: [:],
            configuration: Self.config(), lastRestart: [:], now: Self.t0, starts: starts)
        #expect(without.steps == [.restart(unit: "docker.service", warning: nil)], "no limit read: restarted as before")
    }

    /// The minimum interval and the start limit both hold a restart: the later one is said and waited for.
    @Test func theLaterWaitWins() {
        let facts = EngineFacts(containerd: nil, docker: Self.unit(), dockerLiveRestore: true)
        let starts = ["docker.service": UnitStarts(times: [Self.t0 - 50, Self.t0 - 20])]
        let short = RestartSchedule(
            owed: ["docker.service"], facts: facts, others: [:], configuration: Self.config(minInterval: .seconds(5)),
            lastRestart: ["docker.service": Self.t0 - 20], now: Self.t0, starts: starts)
        #expect(short.steps == [.startLimited(unit: "docker.service", until: Self.t0 + 11, limited: "docker.service", started: 2, limit: Self.docker)])
        let long = RestartSchedule(
            owed: ["docker.service"], facts: facts, others: [:], configuration: Self.config(minInterval: .seconds(600)),
            lastRestart: ["docker.service": Self.t0 - 20], now: Self.t0, starts: starts)
        #expect(long.steps == [.postponed(unit: "docker.service", until: Self.t0 + 580)])
        #expect(long.retryAfter == .seconds(580))
    }

    /// Restarting containerd restarts a docker that `Requires=` it (FACTS §13): docker's limit holds it too.
    @Test func containerdWaitsForTheLimitOfADockerThatStopsWithIt() {
        let facts = EngineFacts(
            containerd: Self.unit(limit: StartLimit(burst: 0, interval: .zero)), docker: Self.unit(stopsWith: ["containerd.service"]),
            dockerLiveRestore: true)
        let starts = ["docker.service": UnitStarts(times: [Self.t0 - 30, Self.t0 - 10])]
        let schedule = RestartSchedule(
            owed: ["containerd.service"], facts: facts, others: [:], configuration: Self.config(), lastRestart: [:], now: Self.t0, starts: starts)
        #expect(schedule.steps == [
            .startLimited(unit: "containerd.service", until: Self.t0 + 31, limited: "docker.service", started: 2, limit: Self.docker),
        ])
    }

    /// Any unit trustmend restarts (CRI-O) is held to its own limit.
    @Test func anotherUnitIsHeldToItsOwnLimit() {
        let facts = EngineFacts(containerd: nil, docker: nil, dockerLiveRestore: false)
        let crio = StartLimit(burst: 1, interval: .seconds(10))
        let schedule = RestartSchedule(
            owed: ["crio.service"], facts: facts, others: ["crio.service": Self.unit(limit: crio)], configuration: Self.config(),
            lastRestart: [:], now: Self.t0, starts: ["crio.service": UnitStarts(times: [Self.t0 - 4])])
        #expect(schedule.steps == [.startLimited(unit: "crio.service", until: Self.t0 + 7, limited: "crio.service", started: 1, limit: crio)])
    }
}
