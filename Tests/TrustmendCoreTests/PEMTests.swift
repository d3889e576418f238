import Testing
@testable import TrustmendCore
import TrustmendTesting

/// PEM as bundles and `certs.d` files hold it.
@Suite struct PEMTests {
    /// Read as Go reads a bundle: any line length, CRLF, blank padding, a bad block skipped, not fatal.
    @Test func pemIsReadAsGoReadsABundle() throws {
        let t = try TestChain()
        let leaf = t.leaf.der, intermediate = t.intermediate.der
        let body = t.leaf.pem.split(separator: "\n").dropFirst().dropLast().joined()
        let wide = stride(from: 0, to: body.count, by: 76).map { offset in
            let start = body.index(body.startIndex, offsetBy: offset)
            return String(body[start..<(body.index(start, offsetBy: 76, limitedBy: body.endIndex) ?? body.endIndex)])
        }
        let text = "# a comment\r\n-----BEGIN CERTIFICATE-----\r\n" + wide.map { "  \($0)\t\r\n" }.joined()
            + "-----END CERTIFICATE-----\r\n"
            + "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n"
            + t.intermediate.pem
        #expect(PEM.certificates(in: text) == [leaf, intermediate])
    }

    @Test func pemIsWrittenAsOpenSSLWritesIt() throws {
        let t = try TestChain()
        let pem = PEM.certificate(t.leaf.der)
        let lines = pem.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "-----BEGIN CERTIFICATE-----")
        #expect(lines.dropLast().last == "-----END CERTIFICATE-----")
        #expect(lines.last == "", "a trailing newline")
        #expect(lines.dropFirst().dropLast(3).allSatisfy { $0.count == 64 })
        #expect(PEM.certificates(in: pem) == [t.leaf.der])
    }
}
