import Testing
@testable import TrustmendCore

/// Issue 19, item 2: a failure that names no host is tied to the image of the same pull, from its own
/// line or a kubelet line within the window, in either order; the tables stay bounded.
@Suite struct HostlessPullsTests {
    /// dockerd 20.10's line for a failed redirect (FACTS §23): neither host nor image.
    static let dockerd = #"time="2026-12-01T10:00:00Z" level=error msg="error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority""#
    /// kubelet's structured line for the same pull through cri-dockerd (klog, kuberuntime_image.go).
    static let kubeletStructured = #"E1201 10:00:01.000000    1234 kuberuntime_image.go:43] "Failed to pull image" err="error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority" image="registry.example:5000/team/app:1""#
    /// Older kubelets (image_manager.go's event text).
    static let kubeletOld = #"E1201 10:00:01.000000    1234 kuberuntime_manager.go:864] Failed to pull image "registry.example:5000/team/app:1": rpc error: code = Unknown desc = error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority"#

    static func failure(_ line: String, unit: String?, at seconds: Double) throws -> HostlessFailure {
        let detection = try #require(LogScanner().scan(line: Substring(line), number: 1), "not detected: \(line)")
        let record = LogRecord(message: line, origin: .journal(unit: unit, uid: 0), position: "c")
        return try #require(HostlessFailure(detection, unit: unit, record: record, at: .milliseconds(Int(seconds * 1000))))
    }

    static func at(_ seconds: Double) -> Duration { .milliseconds(Int(seconds * 1000)) }

    @Test func theLinesAreHostlessAndTheKubeletsNameTheImage() throws {
        #expect(try Self.failure(Self.dockerd, unit: "docker.service", at: 0).image == nil)
        #expect(try Self.failure(Self.dockerd, unit: "docker.service", at: 0).engine == .dockerd)
        #expect(try Self.failure(Self.kubeletStructured, unit: "kubelet.service", at: 0).image == "registry.example:5000/team/app:1")
        #expect(try Self.failure(Self.kubeletOld, unit: "kubelet.service", at: 0).image == "registry.example:5000/team/app:1")
    }

    /// The image inside `err="…"` (an escaped quote around it) is the error's text, not the field.
    @Test func onlyTheImageFieldOutsideQuotesCounts() throws {
        let line = #"E1201 "Failed to pull image" err="failed to pull and unpack image \"other.example/x:1\": download failed: x509: certificate signed by unknown authority image=\"evil.example/y:1\"" image="registry.example/app:1""#
        let failure = try Self.failure(line, unit: "kubelet.service", at: 0)
        #expect(failure.image == "registry.example/app:1")
        let none = #"E1201 "Failed to pull image" err="download failed: x509: certificate signed by unknown authority image=\"evil.example/y:1\"""#
        #expect(try Self.failure(none, unit: "kubelet.service", at: 0).image == nil)
    }

    @Test(arguments: [0.0, 12.5, 30.0])
    func theEnginesLineFirstIsTiedWithinTheWindow(_ gap: Double) throws {
        var pulls = HostlessPulls()
        let waits = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: 100))
        #expect(waits.isEmpty)
        let none = pulls.expire(now: Self.at(100 + gap))
        #expect(none.isEmpty)
        let ties = pulls.observe(try Self.failure(Self.kubeletStructured, unit: "kubelet.service", at: 100 + gap))
        #expect(ties.map(\.image) == ["registry.example:5000/team/app:1"])
        #expect(ties.first?.failures.map(\.unit) == ["docker.service", "kubelet.service"])
        #expect(ties.first?.lead.unit == "docker.service", "dockerd's line says which engine failed")
        #expect(ties.first?.engine(runtime: "containerd.service") == .docker)
        #expect(pulls.count.waiting == 0)
    }

    @Test func theEnginesLineFirstIsUntiedPastTheWindow() throws {
        var pulls = HostlessPulls()
        _ = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: 100))
        #expect(pulls.nextExpiry == Self.at(130) + .nanoseconds(1))
        let none = pulls.expire(now: Self.at(130))
        #expect(none.isEmpty, "the window's last instant still ties")
        let untied = pulls.expire(now: Self.at(130) + .nanoseconds(1))
        #expect(untied.map(\.unit) == ["docker.service"])
        let later = pulls.observe(try Self.failure(Self.kubeletStructured, unit: "kubelet.service", at: 130.001))
        #expect(later.map { $0.failures.map(\.unit) } == [["kubelet.service"]], "the kubelet's own line still ties itself")
    }

    @Test(arguments: [0.0, 30.0])
    func theKubeletsLineFirstTiesTheEnginesLineWithinTheWindow(_ gap: Double) throws {
        var pulls = HostlessPulls()
        let first = pulls.observe(try Self.failure(Self.kubeletStructured, unit: "kubelet.service", at: 50))
        #expect(first.map(\.image) == ["registry.example:5000/team/app:1"])
        #expect(first.first?.engine(runtime: "containerd.service") == .containerd, "the kubelet's failures are the runtime's")
        let ties = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: 50 + gap))
        #expect(ties.map(\.image) == ["registry.example:5000/team/app:1"])
        #expect(ties.first?.lead.unit == "docker.service")
    }

    @Test func theKubeletsLineFirstTiesNothingPastTheWindow() throws {
        var pulls = HostlessPulls()
        _ = pulls.observe(try Self.failure(Self.kubeletStructured, unit: "kubelet.service", at: 50))
        let ties = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: 80.001))
        #expect(ties.isEmpty)
        #expect(pulls.count.waiting == 1)
    }

    @Test func aLineNamingItsImageIsTiedAtOnce() throws {
        var pulls = HostlessPulls()
        let ties = pulls.observe(try Self.failure(Self.kubeletOld, unit: "kubelet.service", at: 0))
        #expect(ties.count == 1 && ties.first?.failures.count == 1)
    }

    /// Lines of one source wait as one (the latest); a flood of sources and images stays within the
    /// capacity, and the failures dropped for room are untied at once, not lost.
    @Test func theTablesAreBounded() throws {
        var pulls = HostlessPulls(capacity: 8)
        for i in 0..<5 { _ = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: Double(i))) }
        #expect(pulls.count.waiting == 1)
        for i in 0..<100 {
            let record = LogRecord(message: Self.dockerd, origin: .file(path: "/var/log/f\(i)"), position: "p")
            _ = pulls.observe(HostlessFailure(unit: nil, engine: .dockerd, image: nil, record: record, at: Self.at(10)))
        }
        #expect(pulls.count.waiting == 8)
        let untied = pulls.expire(now: Self.at(10))
        #expect(untied.count == 8, "the evicted are untied at once, at most the capacity of them")
        for i in 0..<100 {
            let record = LogRecord(message: "", origin: .journal(unit: "kubelet.service", uid: 0), position: "p")
            _ = pulls.observe(HostlessFailure(unit: "kubelet.service", engine: .kubelet, image: "registry.example/app\(i):1", record: record, at: Self.at(11)))
        }
        #expect(pulls.count.images == 8)
        // Each waiting dockerd line ties to every image of the window, which the capacity bounds.
        let ties = pulls.observe(try Self.failure(Self.dockerd, unit: "docker.service", at: 12))
        #expect(ties.count == 8)
    }

    @Test func aKeyIsDueOncePerPeriod() {
        var pulls = HostlessPulls()
        let answers = [
            pulls.due("k", now: .seconds(0), every: .seconds(900)), pulls.due("k", now: .seconds(899), every: .seconds(900)),
            pulls.due("k", now: .seconds(900), every: .seconds(900)),
        ]
        #expect(answers == [true, false, true])
        pulls.hold("k", now: .seconds(1000), for: .seconds(60))
        let held = pulls.due("k", now: .seconds(1059), every: .seconds(1))
        #expect(!held)
    }
}
