import Testing
@testable import TrustmendCore

/// Which unit a failure is charged to: the journal unit that logged it when it is an engine's, else the
/// engine the detector named; the kubelet's failures are the CRI runtime's.
@Suite struct EngineUnitsTests {
    @Test(arguments: [
        (nil, Engine.dockerd, "docker.service"), (nil, .containerd, "crio.service"), (nil, .kubelet, "crio.service"),
        (nil, .crictl, "crio.service"), (nil, .crio, "crio.service"), (nil, .podman, nil), (nil, .ctr, nil), (nil, .unknown, nil),
        ("kubelet.service", .unknown, "crio.service"), ("docker.service", .containerd, "docker.service"),
        ("containerd.service", .unknown, "containerd.service"), ("other.service", .dockerd, "docker.service"),
        ("other.service", .unknown, nil),
    ] as [(String?, Engine, String?)])
    func unitOfAFailure(loggedBy: String?, engine: Engine, unit: String?) {
        #expect(EngineUnits.unit(loggedBy: loggedBy, engine: engine, runtime: "crio.service") == unit)
    }

    @Test func theUnitNamesAreSystemds() {
        #expect(EngineUnit.allCases.map(\.name) == ["containerd.service", "docker.service", "kubelet.service", "crio.service"])
        #expect(Configuration().journalUnits == EngineUnit.allCases.map(\.name))
        #expect(RegistryEngine.allCases.map(\.unit) == ["containerd.service", "docker.service"])
        #expect(RegistryEngine.allCases.allSatisfy { RegistryEngine(unit: $0.unit) == $0 } && RegistryEngine(unit: "crio.service") == nil)
    }
}
