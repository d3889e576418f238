import Foundation
import Testing
@testable import TrustmendCore

@Suite struct TOMLReaderTests {
    @Test func valuesTablesAndKeys() throws {
        let doc = try TOMLReader.parse(#"""
            # comment
            title = "a \"quoted\" \u00e9 string" # trailing comment
            literal = 'C:\path'
            n = 1_000
            hex = 0xff
            f = 3.5
            on = true
            when = 1979-05-27T07:32:00Z
            list = [
              "a", # inside
              'b',
            ]
            inline = { x = 1, y.z = "deep" }
            multi = """
            line one
            line two"""
            [a."b.c".d]
            e = 'x'
            [[servers]]
            name = "one"
            [[servers]]
            name = "two"
            [servers.extra]
            k = 1
            """#)
        #expect(doc["title"]?.string == "a \"quoted\" é string")
        #expect(doc["literal"]?.string == #"C:\path"#)
        #expect(doc["n"]?.integer == 1000)
        #expect(doc["hex"]?.integer == 255)
        #expect(doc["f"] == .float(3.5))
        #expect(doc["on"]?.bool == true)
        #expect(doc["when"] == .datetime("1979-05-27T07:32:00Z"))
        #expect(doc["list"]?.array == [.string("a"), .string("b")])
        #expect(doc.value(at: ["inline", "y", "z"])?.string == "deep")
        #expect(doc["multi"]?.string == "line one\nline two")
        #expect(doc.value(at: ["a", "b.c", "d", "e"])?.string == "x")
        let servers = doc["servers"]?.array ?? []
        #expect(servers.count == 2)
        #expect(servers.last?.value(at: ["extra", "k"])?.integer == 1)
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, "defined twice"),
        ("[t]\n[t]\n", 2, "defined twice"),
        ("a = \"open\n", 1, "not closed"),
        ("a = bare\n", 1, "not a TOML value"),
        ("a = 1 b\n", 1, "unexpected text"),
        ("\n\n[x\n", 3, "must end with ']'"),
        ("a = [1, 2\n", 2, "not closed"),
    ] as [(String, Int, String)])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLReader.parse(text) }
        #expect(error?.line == line, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.message.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }

    /// A file nesting arrays, inline tables or dotted keys thousands deep (containerd's config or a
    /// hosts.toml) is an error naming the limit, not a stack overflow; a deep but sane file still reads.
    @Test(arguments: [
        ("a = " + String(repeating: "[", count: 100_000) + "\n", "nest more than 64"),
        ("a = " + String(repeating: "{b = ", count: 100_000) + "\n", "nest more than 64"),
        (String(repeating: "k.", count: 100_000) + "k = 1\n", "more than 64 dotted parts"),
    ] as [(String, String)])
    func deepNestingIsAnError(text: String, message: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLReader.parse(text) }
        #expect(error?.message.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test func sixtyFourLevelsStillRead() throws {
        let text = "a = " + String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64) + "\n"
        var value = try #require(try TOMLReader.parse(text)["a"])
        for _ in 1..<64 { value = try #require(value.array?.first) }
        #expect(value.array == [.integer(1)])
    }
}
