import Testing
@testable import TrustmendCore

/// `KEY=value` entries: environments and os-release lines.
@Suite struct KeyValueTests {
    @Test(arguments: [
        ("HTTPS_PROXY=http://p:3128", "HTTPS_PROXY", "http://p:3128"),
        ("A=b=c", "A", "b=c"),
        ("EMPTY=", "EMPTY", ""),
        ("=value", "", "value"),
    ])
    func keyValueSplitsAtTheFirstEquals(entry: String, key: String, value: String) throws {
        let (k, v) = try #require(KeyValue.split(entry))
        #expect(k == key)
        #expect(v == value)
    }

    @Test func keyValueDictionarySkipsEntriesWithoutEqualsAndKeepsTheLast() {
        #expect(KeyValue.split("NOEQUALS") == nil)
        #expect(KeyValue.dictionary(["A=1", "NOEQUALS", "B=2", "A=3"]) == ["A": "3", "B": "2"])
    }
}
