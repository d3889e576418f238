import Testing
@testable import TrustmendCore

@Suite struct EndpointTests {
    @Test(arguments: [
        ("registry.example", "registry.example", 443),
        ("Registry.Example:5000", "registry.example", 5000),
        ("10.0.0.1:8443", "10.0.0.1", 8443),
        ("[::1]:5000", "::1", 5000),
        ("[fe80::1]", "fe80::1", 443),
        ("2001:db8::7", "2001:db8::7", 443),
        ("my_registry.corp-1.example.", "my_registry.corp-1.example", 443),
        ("1registry.example:1", "1registry.example", 1),
        ("[::ffff:10.1.2.3]:443", "::ffff:10.1.2.3", 443),
    ])
    func parsesValidEndpoints(text: String, host: String, port: Int) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(Int(endpoint.port) == port)
    }

    @Test(arguments: [
        "", "host:0", "host:65536", "host:-1", "host:80x", "../etc/passwd", "a/b", "host name", "a..b", "-lead.example",
        "trail-.example", "host\u{0}evil", "$(reboot)", "`id`", "a;b", "999.1.1.1", "1.2.3", "[::1", "[::1]x", "[zz::1]",
        "1:2:3:4:5:6:7:8:9", String(repeating: "a", count: 64) + ".example", String(repeating: "a.", count: 140),
        "host:5000:6000", "ex*ample.com", "é.example",
    ])
    func refusesHostileEndpoints(text: String) {
        #expect(throws: EndpointError.self) { try Endpoint(parsing: text) }
    }

    @Test func authorityBracketsIPv6AndSNIIsOnlyForNames() throws {
        #expect(try Endpoint(parsing: "[::1]:5000").authority == "[::1]:5000")
        #expect(try Endpoint(parsing: "[::1]:5000").serverName == nil)
        #expect(try Endpoint(parsing: "10.1.1.1").serverName == nil)
        #expect(try Endpoint(parsing: "reg.example:5000").serverName == "reg.example")
    }

    @Test func errorQuotesHostileBytes() {
        let error = #expect(throws: EndpointError.self) { try Endpoint(parsing: "bad\u{1b}[31mhost") }
        #expect(error?.description.contains("\\x1B") == true)
    }
}
