import FuzzDriver
import TrustmendCore

// /etc/os-release as any package could have left it. Beyond not crashing: the family is chosen from
// ID and ID_LIKE only (never from a field that is not one of them), and an unknown distro is an error
// that names the ID it found.

@_cdecl("FuzzOSRelease_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    trustmend_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let release = OSRelease(parsing: text)
    precondition(release.id == release.id.lowercased(), "ID not lower-cased: \(release.id)")
    for key in release.fields.keys {
        precondition(!key.isEmpty && key.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }, "key \(key)")
    }
    do {
        let profile = try DistroProfile.select(for: release)
        let candidates = [release.id] + release.idLike
        precondition(
            candidates.contains { id in profile.ids.contains(id) || profile.ids.contains { id.hasPrefix($0 + "-") } },
            "\(profile.family) chosen from neither ID nor ID_LIKE: \(candidates)")
    } catch {
        precondition(!"\(error)".isEmpty, "an empty error")
    }
    return 0
}
