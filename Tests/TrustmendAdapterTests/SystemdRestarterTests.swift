import Foundation
import Testing
import TrustmendCore
import TrustmendSystemd

/// The sd-bus restarter against a private dbus-daemon with the systemd stand-in.
@Suite(.enabled(if: PrivateBus.available, "needs dbus-daemon and python3-dbusmock"))
struct SystemdRestarterTests {
    let bus: PrivateBus

    init() throws {
        bus = try PrivateBus(units: [
            "containerd.service": ["active": "active", "pid": 100, "env": ["HTTPS_PROXY=http://proxy.corp:3128", "NO_PROXY=.corp"]],
            "docker.service": ["active": "active", "pid": 200, "stops_with": ["containerd.service"]],
            "stuck.service": ["active": "active", "pid": 300, "result": "never"],
            "broken.service": ["active": "active", "pid": 400, "result": "failed"],
        ])
    }

    var restarter: SystemdUnitRestarter { SystemdUnitRestarter(address: bus.address) }

    @Test func restartWaitsForTheJobAndTheMainPIDChanges() async throws {
        let before = try await restarter.activeState(of: "containerd.service")
        #expect(before.isActive && before.mainPID == 100)
        let outcome = try await restarter.restart(unit: "containerd.service", timeout: .seconds(10))
        #expect(outcome.succeeded)
        #expect(outcome.job.hasPrefix("/org/freedesktop/systemd1/job/"))
        #expect(try bus.calls("RestartUnit") == [["containerd.service", "replace"]])
        #expect(try await restarter.activeState(of: "containerd.service").mainPID == 1100)
    }

    @Test func aFailedJobIsReportedNotThrown() async throws {
        let outcome = try await restarter.restart(unit: "broken.service", timeout: .seconds(10))
        #expect(outcome.result == "failed")
        #expect(!outcome.succeeded)
    }

    /// The time limit turns a hang into a failure; the timeout is proven by the error, not by timing.
    @Test(.timeLimit(.minutes(1))) func aJobThatNeverEndsTimesOut() async throws {
        let error = await #expect(throws: SystemdError.self) { try await restarter.restart(unit: "stuck.service", timeout: .seconds(1)) }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("stuck.service") == true)
    }

    @Test func anUnknownUnitIsNotFoundAndCannotBeRestarted() async throws {
        let state = try await restarter.activeState(of: "nope.service")
        #expect(!state.exists)
        let error = await #expect(throws: SystemdError.self) { try await restarter.restart(unit: "nope.service", timeout: .seconds(5)) }
        #expect(error?.busError == "org.freedesktop.systemd1.NoSuchUnit")
    }

    @Test func readsEnvironmentAndDependencies() async throws {
        let containerd = try await restarter.activeState(of: "containerd.service")
        #expect(containerd.environment == ["HTTPS_PROXY=http://proxy.corp:3128", "NO_PROXY=.corp"])
        let docker = try await restarter.activeState(of: "docker.service")
        #expect(docker.stopsWith == ["containerd.service"])
    }

    @Test func nobodyListeningIsAConnectError() async throws {
        let error = await #expect(throws: SystemdError.self) {
            try await SystemdUnitRestarter(address: "unix:path=/nonexistent/bus").activeState(of: "containerd.service")
        }
        #expect(error?.code == .connect)
    }
}

@Suite struct JournalFieldTests {
    @Test func metadataBecomesJournalFields() {
        let fields = JournalLogHandler.fields(
            level: .notice, message: "anchor installed",
            metadata: ["message_id": "7d1f", "host": "reg.example", "sha256": "ab", "weird key!": "x"],
            identifier: "trustmend", file: "F.swift", line: 3, function: "f()")
        #expect(fields.contains("MESSAGE=anchor installed"))
        #expect(fields.contains("PRIORITY=5"))
        #expect(fields.contains("MESSAGE_ID=7d1f"))
        #expect(fields.contains("TRUSTMEND_HOST=reg.example"))
        #expect(fields.contains("TRUSTMEND_SHA256=ab"))
        #expect(fields.contains("TRUSTMEND_WEIRD_KEY_=x"))
        #expect(fields.contains("SYSLOG_IDENTIFIER=trustmend"))
    }
}
