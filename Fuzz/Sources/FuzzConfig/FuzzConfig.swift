import FuzzDriver
import TrustmendConfig
import TrustmendCore

// /etc/trustmend/config.yaml as a tired operator (or a bad template) wrote it, through libyaml into the
// configuration. Beyond not crashing: a rejection is an error that says something, with a line number
// within the text; an accepted configuration is the same when parsed again.

@_cdecl("FuzzConfig_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    trustmend_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // YAML's line breaks: CR LF, a lone CR or LF, NEL, LS, PS (libyaml counts them all; the first
    // version of this check counted LF only and the fuzzer found a file of lone CRs).
    let lineCount = text.unicodeScalars.split(omittingEmptySubsequences: false) { "\r\n\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) }.count
    do {
        let configuration = try Configuration(yaml: LibYAMLParser.parse(text))
        let again = try Configuration(yaml: LibYAMLParser.parse(text))
        precondition(configuration == again, "the same text gave two configurations")
    } catch {
        precondition(!error.message.isEmpty, "an error without a message")
        precondition(error.line >= 0 && error.line <= lineCount + 1, "line \(error.line) of a \(lineCount)-line text: \(error)")
    }
    return 0
}
