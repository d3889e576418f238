import Testing
@testable import TrustmendCore

/// Go's `httpproxy` rules, case by case.
@Suite struct ProxyEnvironmentTests {
    @Test(arguments: [
        // (NO_PROXY, host, port, proxied)
        ("", "registry.corp", 443, true),
        ("*", "registry.corp", 443, false),
        ("corp", "registry.corp", 443, false),
        ("corp", "corp", 443, false),
        (".corp", "corp", 443, true),
        (".corp", "a.corp", 443, false),
        ("*.corp", "a.corp", 443, false),
        ("xcorp", "registry.corp", 443, true),
        ("registry.corp:5000", "registry.corp", 5000, false),
        ("registry.corp:5000", "registry.corp", 443, true),
        ("10.0.0.0/8", "10.1.2.3", 443, false),
        ("10.0.0.0/8", "11.1.2.3", 443, true),
        ("10.1.2.3", "10.1.2.3", 5000, false),
        ("fd00::/8", "fd12::1", 443, false),
        (" a.example , registry.corp ", "registry.corp", 443, false),
        ("", "localhost", 443, false),
        ("", "127.0.0.5", 443, false),
        ("", "::1", 443, false),
        ("", "::ffff:127.0.0.1", 443, false),
    ])
    func noProxyRules(noProxy: String, host: String, port: Int, proxied: Bool) throws {
        let env = ProxyEnvironment(["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": noProxy])
        let endpoint = try Endpoint(host: host, port: port)
        #expect(env.useProxy(endpoint) == proxied)
        #expect((try env.proxy(for: endpoint) != nil) == proxied)
    }

    @Test func upperCaseWinsAndASchemelessValueIsHTTP() throws {
        let env = ProxyEnvironment(["HTTPS_PROXY": "proxy.a:3128", "https_proxy": "http://proxy.b:8080", "no_proxy": "x"])
        let proxy = try #require(try env.proxy(for: Endpoint(host: "r.example")))
        #expect(proxy.endpoint.authority == "proxy.a:3128")
        #expect(ProxyEnvironment(["https_proxy": "http://proxy.b:8080"]).httpsProxy == "http://proxy.b:8080")
        #expect(ProxyEnvironment(["HTTP_PROXY": "http://p:1"]).httpsProxy == nil)
    }

    @Test func unitEnvironmentEntriesWithCredentials() throws {
        let env = ProxyEnvironment(entries: ["HTTPS_PROXY=http://user:pa:ss@proxy.corp:3128", "PATH=/bin"])
        let proxy = try #require(try env.proxy(for: Endpoint(host: "r.example")))
        #expect(proxy.credentials == "user:pa:ss")
        #expect(proxy.endpoint.port == 3128)
    }

    @Test func socksIsRefusedClearly() {
        let env = ProxyEnvironment(["HTTPS_PROXY": "socks5://p:1080"])
        #expect(throws: ProxyURLError.unsupportedScheme("socks5")) { try env.proxy(for: Endpoint(host: "r.example")) }
    }
}
