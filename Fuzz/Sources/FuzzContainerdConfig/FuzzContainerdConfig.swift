import FuzzDriver
import TrustmendCore

// containerd's config.toml (and files it imports), read to decide whether CRI pulls read certs.d.
// Beyond not crashing: a parse error names a line of the text; the route decision is the same when
// the configuration is read twice; a configuration that is "covered" has a config_path.

@_cdecl("FuzzContainerdConfig_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    trustmend_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lineCount = text.utf8.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
    do {
        _ = try TOMLReader.parse(text)
    } catch {
        precondition(error.line >= 1 && error.line <= lineCount + 1, "line \(error.line) of \(lineCount): \(error)")
        precondition(!error.message.isEmpty, "an error without a message")
    }
    // The same text as the main file, importing itself and a conf.d glob of copies of itself.
    let files = ["/etc/containerd/config.toml": text, "/etc/containerd/conf.d/a.toml": text]
    let read: (String) -> String? = { files[$0] }
    let list: (String) -> [String]? = { $0 == "/etc/containerd/conf.d" ? ["a.toml"] : nil }
    let first = try? ContainerdRegistryConfig.load(path: "/etc/containerd/config.toml", read: read, list: list)
    let second = try? ContainerdRegistryConfig.load(path: "/etc/containerd/config.toml", read: read, list: list)
    precondition(first == second, "two reads of one configuration differ")
    if let first {
        for version in [ContainerdVersion(major: 1, minor: 6), ContainerdVersion(major: 2, minor: 1), ContainerdVersion(major: 2, minor: 2)] {
            let coverage = ContainerdCoverage(config: first, version: version)
            precondition(!coverage.covered || first.configPath != nil || version >= ContainerdVersion(major: 2, minor: 2),
                "covered without a config_path on \(version)")
            precondition(!coverage.why.isEmpty, "a decision without a reason")
        }
    }
    return 0
}
