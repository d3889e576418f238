/// Reads one HTTP/1.1 response from the bytes a connection delivers, as they come: the head (at most
/// `headLimit` bytes), then the body framed by `Transfer-Encoding: chunked`, `Content-Length`, or the
/// end of the connection, keeping at most `bodyLimit` bytes. Once the limit is reached it says the
/// response is complete (truncated): the rest is never read. Interim 1xx heads are skipped.
public struct HTTPResponseParser: Sendable {
    public let bodyLimit: Int
    public let headLimit: Int
    private var pending: [UInt8] = []
    private var head: (status: Int, headers: [RegistryRequest.Header])?
    private var framing = Framing.closeDelimited
    private var body: [UInt8] = []
    public private(set) var response: RegistryResponse?

    enum Framing {
        case length(Int)
        case chunkSize
        case chunkData(Int)
        case chunkEnd
        case trailers
        case closeDelimited
    }

    public init(bodyLimit: Int, headLimit: Int = 64 * 1024) {
        self.bodyLimit = bodyLimit
        self.headLimit = headLimit
    }

    /// Takes the next bytes; true once the response is complete (or as complete as will be read).
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(HTTPResponseError) -> Bool {
        guard response == nil else { return true }
        pending.append(contentsOf: bytes)
        while response == nil {
            if head == nil {
                guard try readHead() else { return false }
                continue
            }
            guard try readBody() else { return false }
        }
        return true
    }

    /// The connection ended: the response, when what arrived makes one.
    public mutating func finish() throws(HTTPResponseError) -> RegistryResponse {
        if let response { return response }
        guard let head else { throw .closedEarly(pending.isEmpty ? "before any answer" : "in the middle of the response's head") }
        guard case .closeDelimited = framing else { throw .closedEarly("before the body's end") }
        body.append(contentsOf: pending.prefix(bodyLimit - body.count))
        response = RegistryResponse(status: head.status, headers: head.headers, body: body)
        return response!
    }

    private mutating func complete(truncated: Bool = false) {
        guard let head else { return }
        response = RegistryResponse(status: head.status, headers: head.headers, body: body, truncated: truncated)
    }

    /// Appends body bytes; false (and the response complete, truncated) when they pass the limit.
    private mutating func keep(_ bytes: ArraySlice<UInt8>) -> Bool {
        let room = bodyLimit - body.count
        body.append(contentsOf: bytes.prefix(room))
        if bytes.count > room {
            complete(truncated: true)
            return false
        }
        return true
    }

    private mutating func readHead() throws(HTTPResponseError) -> Bool {
        guard let end = Self.find([13, 10, 13, 10], in: pending[...]) else {
            if pending.count > headLimit { throw .headTooLong(headLimit) }
            return false
        }
        guard end <= headLimit else { throw .headTooLong(headLimit) }
        let lines = String(decoding: pending[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        pending.removeFirst(end + 4)
        let parts = (lines.first ?? "").split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].utf8.count == 3, let status = Int(parts[1]), (100...599).contains(status)
        else { throw .notHTTP(String((lines.first ?? "").prefix(80))) }
        var headers: [RegistryRequest.Header] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .badHeader(String(line.prefix(80))) }
            headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces)))
        }
        if (100..<200).contains(status) && status != 101 { return true }  // an interim answer: the real one follows
        head = (status, headers)
        let response = RegistryResponse(status: status, headers: headers)
        if status == 204 || status == 304 || status == 101 {
            complete()
            return true
        }
        if let coding = response.value("Transfer-Encoding"), coding.lowercased().contains("chunked") {
            framing = .chunkSize
        } else if let lengthText = response.value("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else { throw .badHeader("Content-Length: \(lengthText.prefix(40))") }
            framing = .length(length)
        }
        return true
    }

    private mutating func readBody() throws(HTTPResponseError) -> Bool {
        switch framing {
        case .closeDelimited:
            let chunk = pending[...]
            pending.removeAll()
            _ = keep(chunk)
            return response != nil
        case .length(let remaining):
            let chunk = pending.prefix(remaining)
            pending.removeFirst(chunk.count)
            guard keep(chunk) else { return true }
            framing = .length(remaining - chunk.count)
            if remaining - chunk.count == 0 { complete() }
            return response != nil
        case .chunkSize:
            guard let end = Self.find([13, 10], in: pending[...]) else {
                if pending.count > 1024 { throw .badChunk("a chunk-size line longer than 1024 bytes") }
                return false
            }
            let line = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end + 2)
            let sizeText = line.prefix { $0 != ";" }.trimmingSpaces
            guard !sizeText.isEmpty, sizeText.utf8.count <= 15, let size = Int(sizeText, radix: 16) else { throw .badChunk(String(line.prefix(40))) }
            framing = size == 0 ? .trailers : .chunkData(size)
            return true
        case .chunkData(let remaining):
            let chunk = pending.prefix(remaining)
            pending.removeFirst(chunk.count)
            guard keep(chunk) else { return true }
            framing = remaining == chunk.count ? .chunkEnd : .chunkData(remaining - chunk.count)
            return remaining == chunk.count
        case .chunkEnd:
            guard pending.count >= 2 else { return false }
            guard pending[0] == 13, pending[1] == 10 else { throw .badChunk("a chunk not followed by CRLF") }
            pending.removeFirst(2)
            framing = .chunkSize
            return true
        case .trailers:
            guard let end = Self.find([13, 10], in: pending[...]) else {
                if pending.count > headLimit { throw .headTooLong(headLimit) }
                return false
            }
            pending.removeFirst(end + 2)
            if end == 0 { complete() }
            return true
        }
    }

    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = haystack.startIndex
        while i <= haystack.endIndex - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i - haystack.startIndex }
            i += 1
        }
        return nil
    }
}
