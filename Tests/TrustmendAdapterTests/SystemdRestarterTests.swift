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

    /// The start limit, where systemd >= 230 keeps it (Unit: StartLimitBurst, StartLimitIntervalUSec) and
    /// where systemd 219 did (Service: StartLimitBurst, StartLimitInterval), as the properties' types say.
    @Test func readsTheStartLimitFromEitherInterface() async throws {
        let limited = try PrivateBus(units: [
            "docker.service": ["pid": 200, "start_limit": [3, 60_000_000]],
            "old.service": ["pid": 300, "old_start_limit": [5, 10_000_000]],
            "forever.service": ["pid": 400, "start_limit": [2, UInt64.max] as [Any]],
            "none.service": ["pid": 500, "start_limit": [0, 0]],
            "unsaid.service": ["pid": 600],
        ])
        let restarter = SystemdUnitRestarter(address: limited.address)
        #expect(try await restarter.activeState(of: "docker.service").startLimit == StartLimit(burst: 3, interval: .seconds(60)))
        #expect(try await restarter.activeState(of: "old.service").startLimit == StartLimit(burst: 5, interval: .seconds(10)))
        let forever = try #require(try await restarter.activeState(of: "forever.service").startLimit)
        #expect(forever.limits && forever.interval > .seconds(100 * 365 * 86400), "StartLimitIntervalSec=infinity")
        #expect(try await restarter.activeState(of: "none.service").startLimit?.limits == false)
        #expect(try await restarter.activeState(of: "unsaid.service").startLimit == nil)
    }

    /// The stand-in serves the start limit with the types real systemd declares (src/core/dbus-unit.c:
    /// `SD_BUS_PROPERTY("StartLimitBurst", "u", …)`, `SD_BUS_PROPERTY("StartLimitIntervalUSec", "t", …)`;
    /// dbus-service.c in systemd 219: `StartLimitInterval` "t"): a reader that passes here reads systemd.
    @Test func theStandInsStartLimitHasSystemdsTypes() throws {
        let limited = try PrivateBus(units: [
            "docker.service": ["pid": 200, "start_limit": [3, 60_000_000]], "old.service": ["pid": 300, "old_start_limit": [5, 10_000_000]],
        ])
        let systemd = [
            "docker.service org.freedesktop.systemd1.Unit StartLimitBurst": "UInt32",
            "docker.service org.freedesktop.systemd1.Unit StartLimitIntervalUSec": "UInt64",
            "docker.service org.freedesktop.systemd1.Service ExecMainStartTimestamp": "UInt64",
            "old.service org.freedesktop.systemd1.Service StartLimitBurst": "UInt32",
            "old.service org.freedesktop.systemd1.Service StartLimitInterval": "UInt64",
        ]
        for (property, type) in systemd {
            let parts = property.split(separator: " ").map(String.init)
            let served = try limited.query("""
                u = b.get_object("org.freedesktop.systemd1", o.GetUnit("\(parts[0])", dbus_interface="org.freedesktop.systemd1.Manager"))
                print(type(u.Get("\(parts[1])", "\(parts[2])", dbus_interface="org.freedesktop.DBus.Properties")).__name__)
                """)
            #expect(served == type, "\(property)")
        }
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
