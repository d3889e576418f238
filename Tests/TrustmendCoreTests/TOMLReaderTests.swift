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
}
