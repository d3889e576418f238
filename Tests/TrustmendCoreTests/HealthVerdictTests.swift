import FoundationEssentials
import Testing
import TrustmendCore

/// Issue 18, item 2: `trustmend health` judges the daemon's heartbeat: fresh and following the journal, or
/// one line saying why not.
struct HealthVerdictTests {
    let now = Date(timeIntervalSince1970: 1_796_198_400)
    let path = "/var/lib/trustmend/heartbeat"

    func judge(_ beat: Heartbeat?, maxAge: Duration = .seconds(30)) -> HealthVerdict {
        HealthVerdict.judge(beat?.text, path: path, now: now, maxAge: maxAge)
    }

    @Test(arguments: [
        SourceHealth.starting, .reading(cursor: nil), .reading(cursor: "s=abc;i=2a;b=01"), .off, .missing("no journal files in /var/log/journal"),
        .failing("cannot open the journal (system): Permission denied"),
    ])
    func theFileSaysWhatTheDaemonWrote(_ state: SourceHealth) {
        let beat = Heartbeat(at: now, state: state)
        #expect(Heartbeat(text: beat.text) == beat)
    }

    @Test func aFreshHeartbeatOfAReaderIsHealthy() {
        let verdict = judge(Heartbeat(at: now.addingTimeInterval(-5), state: .reading(cursor: "s=abc;i=2a")))
        #expect(verdict.healthy)
        #expect(verdict.line == "healthy: reading the journal at cursor s=abc;i=2a (heartbeat 5 s ago)")
    }

    @Test func aStaleHeartbeatIsNot() {
        let verdict = judge(Heartbeat(at: now.addingTimeInterval(-31), state: .reading(cursor: "s=abc")))
        #expect(!verdict.healthy)
        #expect(verdict.line.contains("31 s old (more than 30 s)"), "\(verdict.line)")
        #expect(verdict.line.contains("stopped or hung"))
        #expect(judge(Heartbeat(at: now.addingTimeInterval(-30), state: .reading(cursor: nil))).healthy, "the limit itself is still fresh")
    }

    @Test func noHeartbeatIsNot() {
        let verdict = judge(nil)
        #expect(!verdict.healthy)
        #expect(verdict.line.contains("no heartbeat at \(path)"))
        let garbage = HealthVerdict.judge("hello\n", path: path, now: now, maxAge: .seconds(30))
        #expect(!garbage.healthy && garbage.line.contains("not a trustmend heartbeat"))
    }

    /// FACTS §22: a pod whose journal mount is missing stays Running and repairs nothing; the probe fails.
    @Test func aMissingJournalIsNot() {
        let verdict = judge(Heartbeat(at: now, state: .missing("no journal files in /var/log/journal or /run/log/journal")))
        #expect(!verdict.healthy)
        #expect(verdict.line == "unhealthy: the journal is missing: no journal files in /var/log/journal or /run/log/journal")
    }

    @Test func aFailingReaderIsNot() {
        let verdict = judge(Heartbeat(at: now, state: .failing("cannot read the journal: Bad message")))
        #expect(!verdict.healthy)
        #expect(verdict.line.contains("cannot read the journal: Bad message"))
    }

    /// The clock set back after the write: the age says nothing, the state still does.
    @Test func aHeartbeatFromTheFutureCountsAsFresh() {
        #expect(judge(Heartbeat(at: now.addingTimeInterval(600), state: .off)).healthy)
    }
}
