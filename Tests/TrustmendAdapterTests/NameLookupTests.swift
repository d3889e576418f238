import Foundation
import Testing

/// The name lookup is inside the connect time limit (issue 16, item 17). getaddrinfo ran before the
/// limit started and waited as long as the resolver did: `timeout` × `attempts` per name server.
///
/// A resolver that does not answer, for real: a UDP socket on 127.0.0.77:53 that reads nothing, named by
/// a resolv.conf bind-mounted over /etc/resolv.conf in a mount namespace of the fetch's own (glibc's
/// resolver reads only that file; the binary's name services are files and dns).
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
struct NameLookupTests {
    @Test func aResolverThatDoesNotAnswerEndsAtTheConnectTimeLimit() throws {
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(silent >= 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(53).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.77")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0, "cannot bind 127.0.0.77:53: \(String(cString: strerror(errno)))")
        let resolv = NSTemporaryDirectory() + "trustmend-resolv-\(UUID().uuidString).conf"
        // One attempt that waits 30 s: what the lookup alone used to cost.
        try "nameserver 127.0.0.77\noptions timeout:30 attempts:1\n".write(toFile: resolv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: resolv) }

        let started = ContinuousClock.now
        let r = try CommandLineTests.run(
            [
                "--mount", "--propagation", "private", "sh", "-c", #"mount --bind "$1" /etc/resolv.conf && shift && exec "$@""#, "sh", resolv,
                CommandLineTests.binary, "fetch", "registry.no-answer.example:443", "--connect-timeout", "2", "--no-proxy",
            ], executable: "/usr/bin/unshare")
        let elapsed = ContinuousClock.now - started
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("cannot resolve registry.no-answer.example:443: no answer from the name servers"), "\(r.stderr)")
        #expect(elapsed < .seconds(10), "the lookup took \(elapsed) against a connect limit of 2 s")
    }
}
