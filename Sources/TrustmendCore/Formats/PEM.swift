import FoundationEssentials
import SwiftASN1

/// PEM `CERTIFICATE` blocks, the only kind Go reads from a bundle (FACTS §3).
///
/// Writing is SwiftASN1's `PEMDocument`. Reading is not: `PEMDocument.parseMultiple` wants 64-column
/// lines and fails the whole text for one bad block, while Go's `AppendCertsFromPEM` takes any line
/// length and skips a block it cannot decode. A bundle or a `certs.d` file must read here as Go reads it.
public enum PEM {
    /// Every `BEGIN CERTIFICATE` block's DER bytes, in order; other blocks, and blocks that are not
    /// base64, are skipped.
    public static func certificates(in text: String) -> [[UInt8]] {
        var result = [[UInt8]]()
        var inside = false
        var body = ""
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let trimmed = line.trimmingSpaces
            if trimmed == "-----BEGIN CERTIFICATE-----" {
                inside = true
                body = ""
            } else if trimmed == "-----END CERTIFICATE-----" {
                if inside, let der = Data(base64Encoded: body.filter { $0 != " " && $0 != "\t" }) { result.append(Array(der)) }
                inside = false
            } else if inside {
                body += trimmed
            }
        }
        return result
    }

    /// One certificate as a PEM block: 64 columns and a trailing newline, as OpenSSL writes it.
    public static func certificate(_ der: [UInt8]) -> String {
        PEMDocument(type: "CERTIFICATE", derBytes: der).pemString + "\n"
    }
}
