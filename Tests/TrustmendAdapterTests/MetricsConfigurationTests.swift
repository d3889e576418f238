import Testing
import TrustmendConfig
import TrustmendCore

/// `metrics.textfile_directory` (issue 17, item 3): a directory, or "" (or no value) for none.
@Suite struct MetricsConfigurationTests {
    func parse(_ text: String) throws -> Configuration { try Configuration(yaml: LibYAMLParser.parse(text)) }

    @Test func theDirectoryIsRead() throws {
        #expect(try parse("").metricsTextfileDirectory == "/var/lib/prometheus/node-exporter")
        #expect(try parse("metrics:\n  textfile_directory: /srv/textfiles\n").metricsTextfileDirectory == "/srv/textfiles")
        #expect(try parse("metrics:\n  textfile_directory: \"\"\n").metricsTextfileDirectory == "")
        #expect(try parse("metrics:\n  textfile_directory:\n").metricsTextfileDirectory == "", "no value: no metrics, as \"\"")
    }

    @Test(arguments: [
        ("metrics:\n  textfile_directory: textfiles\n", "metrics.textfile_directory must be an absolute path", 2),
        ("metrics:\n  textfile_directory: /srv/../etc\n", "metrics.textfile_directory must be an absolute path", 2),
        ("metrics:\n  textfile_directory: [/a, /b]\n", "metrics.textfile_directory must be a single value", 2),
        ("metrics:\n  directory: /srv\n", "unknown key \"metrics.directory\"", 2),
        ("metrics: /srv\n", "metrics must be a mapping of keys", 1),
    ])
    func badValuesAreRefusedWithTheKeyAndLine(text: String, message: String, line: Int) {
        #expect {
            try parse(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }
}
