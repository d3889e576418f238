import FoundationEssentials
import FuzzDriver
import TrustmendCore

// What a hostile registry sends: its certificates (DER, as TLS carries them, or PEM, as `fix --chain`
// and bundles carry them), through the anchor choice. The first byte picks the form. Beyond not crashing:
// - an anchor is always one of the certificates sent, and never an ordinary leaf (a certificate that is
//   neither a CA nor self-signed);
// - an anchor lies on the leaf's issuance path: the leaf, or the issuer (by name and signature) of a
//   certificate on it — never another CA the server happens to send;
// - where p11-kit builds the bundle (system route of the RHEL family) every anchor is a CA;
// - with a pin, every anchor is pinned; no anchor has expired;
// - a certificate written as PEM reads back as the same DER.

@_cdecl("FuzzChain_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    trustmend_fuzz_main(argc, argv)
}

let endpoint = try! Endpoint(host: "registry.fuzz.example", port: 443)
let now = Date(timeIntervalSince1970: 1_790_000_000)  // fixed: a run must not depend on the clock
let debian = DistroProfile.profile(for: .debian), rhel = DistroProfile.profile(for: .rhel)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let body = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let ders = data[0] & 1 == 0 ? derElements(body) : PEM.certificates(in: String(decoding: body, as: UTF8.self))
    let certificates = ders.prefix(16).compactMap { try? ChainCertificate(der: $0) }
    for certificate in certificates {
        precondition(PEM.certificates(in: certificate.pem) == [certificate.der], "PEM round trip of \(certificate.subject)")
    }
    let chain = PeerChain(endpoint: endpoint, certificates: certificates)
    let sent = Set(certificates.map(\.der))
    var path = Array(certificates.prefix(1))
    while let last = path.last, !last.isSelfSigned, let issuer = certificates.first(where: { !path.contains($0) && $0.issued(last) }) {
        path.append(issuer)
    }
    for choice in AnchorChoice.allCases {
        for (profile, acceptsNonCA) in [(debian, true), (rhel, false), (rhel, true)] {
            for pins in [Set<String>(), Set(certificates.prefix(1).map(\.sha256))] {
                let selector = AnchorSelector(choice: choice, profile: profile, pins: pins, acceptsNonCA: acceptsNonCA)
                guard case .success(let anchors) = selector.select(from: chain, now: now) else { continue }
                for anchor in anchors {
                    precondition(sent.contains(anchor.der), "an anchor that was not sent")
                    precondition(path.contains(anchor), "an anchor off the leaf's issuance path: \(anchor.subject)")
                    precondition(anchor.isCA || anchor.isSelfSigned, "an ordinary leaf as anchor: \(anchor.subject)")
                    precondition(acceptsNonCA || anchor.isCA, "a non-CA anchor where p11-kit drops it: \(anchor.subject)")
                    precondition(pins.isEmpty || pins.contains(anchor.sha256), "an unpinned anchor: \(anchor.sha256)")
                    precondition(anchor.notAfter > now, "an expired anchor: \(anchor.subject)")
                }
            }
        }
    }
    return 0
}

/// Top-level DER elements, one after the other, until one does not parse.
func derElements(_ bytes: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var at = 0
    while at + 2 <= bytes.count {
        var length = Int(bytes[at + 1])
        var header = 2
        if length & 0x80 != 0 {
            let octets = length & 0x7f
            guard octets >= 1, octets <= 3, at + 2 + octets <= bytes.count else { break }
            length = 0
            for i in 0..<octets { length = length << 8 | Int(bytes[at + 2 + i]) }
            header += octets
        }
        guard at + header + length <= bytes.count else { break }
        result.append(Array(bytes[at..<(at + header + length)]))
        at += header + length
    }
    return result
}
