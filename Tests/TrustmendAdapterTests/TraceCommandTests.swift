import Foundation
import Testing

/// `trustmend trace` as an operator runs it, against the loopback stand-ins and a sandbox root.
@Suite struct TraceCommandTests {
    static func trace(_ arguments: [String]) throws -> (CommandLineTests.Run, [String: Any]?) {
        let run = try CommandLineTests.run(["trace", "--no-proxy", "--timeout", "3", "--connect-timeout", "3", "--response-timeout", "3"] + arguments)
        return (run, try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func jsonNamesTheCDNUntilItsCAIsInCertsD() throws {
        let scene = try TraceScene()
        let root = try SandboxRoot()
        defer { root.remove() }
        try root.write("/etc/ssl/certs/ca-certificates.crt", try scene.registryPKI.pem("root.pem") + scene.tokenPKI.pem("root.pem"), mode: 0o644)

        let (failing, report) = try Self.trace(["--json", "--root", root.path, scene.reference])
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        let object = try #require(report)
        #expect(object["reference"] as? String == scene.reference && object["registry"] as? String == scene.registry.authority)
        let hops = try #require(object["hops"] as? [[String: Any]])
        #expect(hops.map { $0["role"] as? String } == ["registry", "token", "registry", "registry", "redirect"])
        #expect(hops.first?["status"] as? Int == 401 && hops.first?["problem"] is NSNull && hops.first?["port"] as? Int == scene.registry.port)
        #expect(((hops.last?["chain"] as? [[String: Any]])?.first?["sha256"] as? String)?.count == 64)
        #expect((hops.last?["bundle"] as? [String: Any])?["verifies"] as? Bool == false)
        #expect((hops.first?["bundle"] as? [String: Any])?["reason"] is NSNull)
        #expect((object["end"] as? [String: Any])?["kind"] as? String == "complete")
        let failures = try #require(object["failing"] as? [[String: Any]])
        #expect(failures.map { $0["engine"] as? String } == ["docker", "containerd"])
        #expect(failures.allSatisfy { $0["port"] as? Int == scene.cdn.port && $0["role"] as? String == "redirect" })
        #expect(failures.first?["fix"] as? String == "trustmend fix localhost:\(scene.cdn.port) --registry localhost:\(scene.registry.port)")

        // The repair the trace names, by hand: the CDN's CA in docker's certs.d for the registry.
        try root.write("/etc/docker/certs.d/\(scene.registry.authority)/ca.crt", try scene.cdnPKI.pem("root.pem"), mode: 0o644)
        let (docker, dockerReport) = try Self.trace(["--json", "--root", root.path, "--engine", "docker", scene.reference])
        #expect(docker.status == 0, "\(docker.stdout)\(docker.stderr)")
        #expect((dockerReport?["failing"] as? [Any])?.isEmpty == true)
        #expect(((dockerReport?["hops"] as? [[String: Any]])?.last?["certs_d"] as? [String: Any])?["docker"] != nil)

        let (human, _) = try Self.trace(["--root", root.path, scene.reference])
        #expect(human.status == 1, "containerd still fails: \(human.stdout)")
        #expect(human.stdout.contains("containerd fails at localhost:\(scene.cdn.port) (redirect"), "\(human.stdout)")
        #expect(human.stdout.contains("docker certs.d/\(scene.registry.authority): verifies"))
        #expect(!human.stdout.contains("docker fails"))
        #expect(human.stdout.contains("trustmend fix localhost:\(scene.cdn.port) --registry \(scene.registry.authority)"))
        print(human.stdout)

        // containerd reads no loose *.crt next to a hosts.toml: the CA there does not count for it.
        let containerd = "/etc/containerd/certs.d/\(scene.registry.authority)"
        try root.write(containerd + "/ca.crt", try scene.cdnPKI.pem("root.pem"), mode: 0o644)
        try root.write(containerd + "/hosts.toml", "server = \"https://\(scene.registry.authority)\"\n", mode: 0o644)
        let (withHostsTOML, _) = try Self.trace(["--root", root.path, "--engine", "containerd", scene.reference])
        #expect(withHostsTOML.status == 1 && withHostsTOML.stdout.contains("containerd fails at localhost:\(scene.cdn.port)"), "\(withHostsTOML.stdout)")
        try FileManager.default.removeItem(atPath: root.file(containerd + "/hosts.toml"))
        let (repaired, _) = try Self.trace(["--root", root.path, scene.reference])
        #expect(repaired.status == 0 && repaired.stdout.contains("every host met verifies (for docker and containerd)"), "\(repaired.stdout)")
    }

    @Test func anInvalidReferenceIsAUsageErrorAndAServerThatIsNotThereStops() throws {
        let root = try SandboxRoot()
        defer { root.remove() }
        try root.write("/etc/ssl/certs/ca-certificates.crt", "", mode: 0o644)
        let (invalid, _) = try Self.trace(["--root", root.path, "reg.example/App:1"])
        #expect(invalid.status == 64 && invalid.stderr.contains("repository"), "\(invalid.stderr)")
        let (gone, report) = try Self.trace(["--json", "--root", root.path, "127.0.0.1:\(freePort())/app:1"])
        #expect(gone.status == 4, "\(gone.stdout)\(gone.stderr)")
        #expect((report?["end"] as? [String: Any])?["kind"] as? String == "stopped")
        #expect((report?["hops"] as? [[String: Any]])?.first?["status"] is NSNull)
    }

    /// A registry that accepts and never answers the handshake, and one that never answers the request:
    /// the trace ends at the time limits (3 s each here) with exit 4 and the hop's problem naming the limit.
    @Test func serversThatNeverAnswerEndWithinTheTimeLimits() throws {
        let pki = try TestPKI()
        let root = try SandboxRoot()
        defer { root.remove() }
        try root.write("/etc/ssl/certs/ca-certificates.crt", try pki.pem("root.pem"), mode: 0o644)
        let silent = try TestServer.hostile("silent", pki: pki)
        let hanging = try RegistryStandIn(pki: pki, routes: ["/v2/": ["hang": true]])
        for (reference, problem) in [("localhost:\(silent.port)/app:1", "handshake"), ("\(hanging.authority)/app:1", "response time limit")] {
            let started = ContinuousClock.now
            let (run, report) = try Self.trace(["--json", "--root", root.path, reference])
            let elapsed = ContinuousClock.now - started
            #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
            // The problem names the limit that ended it; the time is printed, never asserted (tests do not
            // assert on wall-clock time: a loaded machine would fail them).
            print("trace of \(reference): \(elapsed) against limits of 3 s")
            let hop = (report?["hops"] as? [[String: Any]])?.first
            #expect((hop?["problem"] as? String)?.contains(problem) == true, "\(run.stdout)")
        }
    }
}
