import FoundationEssentials
import Testing
@testable import TrustmendCore

/// The starts trustmend knows of (issue 19, item 3): each `ExecMainStartTimestamp` counted once, its own
/// restarts counted before they are asked for and not twice after, the old ones forgotten, and all of it
/// kept in the state file.
@Suite struct UnitStartsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let docker = StartLimit(burst: 3, interval: .seconds(60))

    @Test func eachStartSystemdReportsIsCountedOnce() {
        var starts = UnitStarts()
        starts.observe(Self.now - 30, now: Self.now)
        starts.observe(Self.now - 30, now: Self.now + 5)
        #expect(starts.times == [Self.now - 30], "the same start read twice")
        starts.observe(Self.now - 2, now: Self.now + 5)  // a crash restarted by Restart=
        #expect(starts.times == [Self.now - 30, Self.now - 2])
        starts.observe(nil, now: Self.now + 6)
        #expect(starts.times.count == 2, "no main process: no start")
    }

    @Test func trustmendsRestartCountsOnceAtItsEnd() {
        var starts = UnitStarts(times: [], lastSeen: Self.now - 3600)
        starts.record(Self.now, now: Self.now)
        #expect(starts.times == [Self.now], "counted before it is asked for")
        starts.restarted(asked: Self.now, finished: Self.now + 12, mainStarted: Self.now + 11)
        #expect(starts.times == [Self.now + 12], "at the job's end: the window is never shorter than systemd's")
        starts.observe(Self.now + 11, now: Self.now + 20)
        #expect(starts.times == [Self.now + 12], "its new main process is that restart, not another start")
    }

    @Test func startsOutsideTheWindowAreForgottenAndNoLimitKeepsNone() {
        var starts = UnitStarts(times: [Self.now - 61, Self.now - 60, Self.now - 1], lastSeen: Self.now - 1)
        starts.prune(Self.docker, now: Self.now)
        #expect(starts.times == [Self.now - 60, Self.now - 1])
        starts.prune(StartLimit(burst: 0, interval: .seconds(60)), now: Self.now)
        #expect(starts.times.isEmpty && starts.lastSeen == UnitStarts.microseconds(Self.now - 1), "still knows which start it saw")
    }

    /// A start in the future (the wall clock went back) is kept as now: counted, and gone one interval later.
    @Test func aStartInTheFutureIsTakenAsNow() {
        var starts = UnitStarts()
        starts.observe(Self.now + 86400, now: Self.now)
        #expect(starts.times == [Self.now])
        starts.observe(Self.now + 86400, now: Self.now + 30)
        #expect(starts.times == [Self.now], "the same start seen again is not counted again")
        starts.prune(Self.docker, now: Self.now + 61)
        #expect(starts.times.isEmpty)
        // One kept from before the clock went back (the state file of an earlier run): the same.
        var kept = UnitStarts(times: [Self.now + 86400, Self.now - 10])
        kept.prune(Self.docker, now: Self.now)
        #expect(kept.times == [Self.now - 10, Self.now])
        kept.prune(Self.docker, now: Self.now + 60)
        #expect(kept.times == [Self.now], "not held off for a day: gone one interval after it was first seen")
        kept.prune(Self.docker, now: Self.now + 60.001)
        #expect(kept.times.isEmpty)
    }

    @Test func atMostSoManyAreKept() {
        var starts = UnitStarts()
        for i in 0..<(UnitStarts.kept + 10) { starts.record(Self.now + Double(i), now: Self.now + Double(i)) }
        #expect(starts.times.count == UnitStarts.kept && starts.times.last == Self.now + Double(UnitStarts.kept + 9))
    }

    /// The state file (`JSONFile`) writes dates as ISO 8601, whole seconds: a start's time is kept rounded
    /// up (never leaving the window sooner), and the timestamp last read in µs, so that the same start
    /// read after a restart of trustmend is still the same (the bus test found it counted twice).
    @Test func theStartsSurviveTheStateFileAndAnOldFileStillReads() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var state = DaemonState()
        var starts = UnitStarts()
        let started = Date(timeIntervalSince1970: 1_799_999_990.123456)
        starts.observe(started, now: Self.now)
        #expect(starts.times == [Self.now - 9], "rounded up to the second")
        starts.record(Self.now + 0.25, now: Self.now + 0.25)
        state.starts["docker.service"] = starts
        let back = try decoder.decode(DaemonState.self, from: try encoder.encode(state))
        #expect(back == state)
        var again = back.starts["docker.service"]!
        again.observe(started, now: Self.now + 1)
        #expect(again == starts, "the start read before trustmend restarted is not counted again")

        let old = #"{"files":{},"pending":[],"restartsOwed":["docker.service"],"lastRestart":{}}"#
        let read = try decoder.decode(DaemonState.self, from: Data(old.utf8))
        #expect(read.restartsOwed == ["docker.service"] && read.starts.isEmpty)
    }
}
