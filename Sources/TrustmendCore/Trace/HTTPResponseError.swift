/// Why the bytes a server sent are not an HTTP response the trace can read.
public enum HTTPResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    case notHTTP(String)
    case headTooLong(Int)
    case badHeader(String)
    case badChunk(String)
    case closedEarly(String)

    public var description: String {
        switch self {
        case .notHTTP(let line): "the answer is not HTTP/1.x (it starts \(EndpointError.quote(line)))"
        case .headTooLong(let limit): "the response's head is longer than \(limit) bytes"
        case .badHeader(let line): "a header line cannot be read: \(EndpointError.quote(line))"
        case .badChunk(let what): "the chunked body cannot be read: \(what)"
        case .closedEarly(let when): "the server closed the connection \(when)"
        }
    }
}
