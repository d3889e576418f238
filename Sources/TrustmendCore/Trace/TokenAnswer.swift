import FoundationEssentials

/// A token server's JSON answer: `token`, or `access_token` (OAuth 2's name, which docker/distribution's
/// token clients also accept).
struct TokenAnswer: Decodable {
    var token: String?
    var accessToken: String?

    enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
    }

    /// The token to send, nil when there is none or it could not be sent as a header value (it goes into
    /// `Authorization: Bearer …`: visible ASCII only, no space, at most 16 KiB).
    static func token(in body: [UInt8], truncated: Bool) -> String? {
        guard !truncated, let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(body)) else { return nil }
        for candidate in [answer.token, answer.accessToken] {
            if let value = candidate, !value.isEmpty, value.utf8.count <= 16384, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                return value
            }
        }
        return nil
    }
}
