/// Why a text is not an image reference a trace can follow.
public enum ImageReferenceError: Error, Sendable, CustomStringConvertible {
    case registry(String, EndpointError)
    case repository(String, String)
    case tag(String, String)
    case digest(String, String)

    public var description: String {
        switch self {
        case .registry(let text, let error):
            "the image reference \(EndpointError.quote(text)) names no valid registry: \(error)"
        case .repository(let text, let name):
            "the image reference \(EndpointError.quote(text)) names the repository \(EndpointError.quote(name)), which is not one: "
                + "lower-case letters, digits and '.', '_', '-' between them, components joined by '/'"
        case .tag(let text, let tag):
            "the image reference \(EndpointError.quote(text)) has the tag \(EndpointError.quote(tag)), which is not one: "
                + "at most 128 letters, digits, '_', '.', '-', not starting with '.' or '-'"
        case .digest(let text, let digest):
            "the image reference \(EndpointError.quote(text)) has the digest \(EndpointError.quote(digest)), which is not one: "
                + "sha256: and 64 lower-case hex digits"
        }
    }
}
