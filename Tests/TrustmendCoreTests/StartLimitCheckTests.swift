import FoundationEssentials
import Testing
@testable import TrustmendCore

/// Issue 19, item 3: never restart a unit into its start limit (FACTS §24). docker.service allows 3 starts
/// in 60 s; the 4th leaves dockerd stopped until `systemctl reset-failed`. trustmend counts the starts it
/// knows of and keeps one spare for the unit's own `Restart=`.
@Suite struct StartLimitCheckTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let docker = StartLimit(burst: 3, interval: .seconds(60))

    static func ago(_ seconds: Double...) -> [Date] { seconds.map { now - $0 } }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var limit: StartLimit?
        var starts: [Date]
        var expected: StartLimitCheck
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "no limit read", limit: nil, starts: ago(1, 2, 3, 4), expected: .clear),
        Row(name: "burst 0 is no limit", limit: StartLimit(burst: 0, interval: .seconds(60)), starts: ago(1, 2, 3), expected: .clear),
        Row(name: "interval 0 is no limit", limit: StartLimit(burst: 3, interval: .zero), starts: ago(0, 0, 0, 0), expected: .clear),
        // Burst 1: no spare can be kept; the restart runs when no known start is in the window.
        Row(name: "burst 1, none in the window", limit: StartLimit(burst: 1, interval: .seconds(60)), starts: ago(61), expected: .clear),
        Row(name: "burst 1, one in the window", limit: StartLimit(burst: 1, interval: .seconds(60)), starts: ago(10),
            expected: .wait(until: now + 51, started: 1)),
        // Burst 2: one for trustmend, one spare.
        Row(name: "burst 2, none", limit: StartLimit(burst: 2, interval: .seconds(60)), starts: [], expected: .clear),
        Row(name: "burst 2, one", limit: StartLimit(burst: 2, interval: .seconds(60)), starts: ago(30),
            expected: .wait(until: now + 31, started: 1)),
        // Burst 3 (docker.service): two known starts and a restart would leave none for Restart=.
        Row(name: "burst 3, one", limit: docker, starts: ago(5), expected: .clear),
        Row(name: "burst 3, two", limit: docker, starts: ago(5, 40), expected: .wait(until: now + 21, started: 2)),
        Row(name: "burst 3, three: the oldest two must leave", limit: docker, starts: ago(5, 40, 50),
            expected: .wait(until: now + 21, started: 3)),
        Row(name: "burst 3, four (already over)", limit: docker, starts: ago(1, 2, 3, 4), expected: .wait(until: now + 59, started: 4)),
        // systemd's window holds a start exactly `interval` old; one a millisecond older has left it.
        Row(name: "a start exactly at the window's edge counts", limit: docker, starts: ago(60, 10), expected: .wait(until: now + 1, started: 2)),
        Row(name: "a start just outside the window does not", limit: docker, starts: ago(60.001, 10), expected: .clear),
        Row(name: "starts long gone", limit: docker, starts: ago(3600, 7200, 86400), expected: .clear),
        // The clock went back an hour: the start is taken as now, so the wait ends one interval later, not an hour and one.
        Row(name: "clock gone backward", limit: docker, starts: [now + 3600, now - 10], expected: .wait(until: now + 51, started: 2)),
    ]

    @Test(arguments: rows)
    func decides(_ row: Row) {
        #expect(StartLimitCheck.check(row.limit, starts: row.starts, now: Self.now) == row.expected)
    }

    /// At the time a wait ends, the restart fits: no wait that renews itself.
    @Test(arguments: rows)
    func theWaitEndsWhenTheRestartFits(_ row: Row) {
        guard case .wait(let until, _) = StartLimitCheck.check(row.limit, starts: row.starts, now: Self.now) else { return }
        let clamped = row.starts.map { min($0, Self.now) }
        #expect(StartLimitCheck.check(row.limit, starts: clamped, now: until) == .clear)
        #expect(StartLimitCheck.check(row.limit, starts: clamped, now: until - 1.5) != .clear, "not earlier than needed")
    }

    /// Restarting whenever the check allows, with crashes restarted by `Restart=` in between, never takes
    /// the unit past its burst in any window systemd could open.
    @Test(arguments: [1, 2, 3, 5] as [UInt32])
    func restartsAsAllowedNeverCrossTheLimit(burst: UInt32) {
        let limit = StartLimit(burst: burst, interval: .seconds(60))
        var starts: [Date] = []
        var t = Self.now
        for step in 0..<400 {
            t += 7
            if StartLimitCheck.check(limit, starts: starts, now: t) == .clear {
                starts.append(t)
                // The spare: one crash restarted by systemd right after trustmend's restart still fits.
                if burst >= 2 && step % 3 == 0 { starts.append(t + 1) }
            }
        }
        for begin in starts {
            let inWindow = starts.filter { $0 >= begin && $0.timeIntervalSince(begin) <= 60 }
            #expect(inWindow.count <= Int(burst), "\(inWindow.count) starts from \(begin)")
        }
        #expect(starts.count > 20, "and restarts do happen")
    }

    @Test func theIntervalIsWrittenInSeconds() {
        #expect(Self.docker.intervalText == "60s")
        #expect(StartLimit(burst: 2, intervalMicroseconds: 120_000_000).intervalText == "120s")
        #expect(StartLimit(burst: 5, intervalMicroseconds: 10_500_000).intervalText == "11s")
        #expect(StartLimit(burst: 5, intervalMicroseconds: .max).limits, "infinity is the longest interval, not an overflow")
    }
}
