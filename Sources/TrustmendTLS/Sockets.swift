import Glibc
import TrustmendCore
import TrustmendPlatform

// Every socket call of the TLS adapter: resolve, connect with a deadline, exchange bytes with a deadline.

enum Sockets {
    struct Address: Sendable {
        var storage: sockaddr_storage
        var length: socklen_t
        var family: Int32
        var text: String
    }

    /// Every address of `host`, in the resolver's order. IP literals are not looked up. Blocks for as long
    /// as the resolver takes: `HostLookup` bounds it by the connect deadline.
    static func resolve(_ endpoint: Endpoint) throws(TLSFetchError) -> [Address] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if endpoint.isIPLiteral { hints.ai_flags = AI_NUMERICHOST }
        var result: UnsafeMutablePointer<addrinfo>?
        let r = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result)
        guard r == 0, let first = result else {
            throw TLSFetchError(.resolve, endpoint, cause: String(cString: gai_strerror(r)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var storage = sockaddr_storage()
            memcpy(&storage, info.pointee.ai_addr, Int(info.pointee.ai_addrlen))
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
            addresses.append(Address(storage: storage, length: info.pointee.ai_addrlen, family: info.pointee.ai_family, text: String(cString: text)))
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Resolves and connects to the first address that answers, both within the time limit; the error
    /// names every failure.
    static func connect(_ endpoint: Endpoint, timeout: Duration) throws(TLSFetchError) -> Int32 {
        let deadline = Deadline(after: timeout)
        let addresses = try HostLookup.addresses(of: endpoint, before: deadline, limit: timeout)
        var failures: [String] = []
        for address in addresses {
            if deadline.passed {
                failures.append("\(address.text): no time left")
                continue
            }
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                failures.append("\(address.text): \(String(cString: strerror(errno)))")
                continue
            }
            var storage = address.storage
            let r = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
            }
            if r == 0 { return fd }
            guard errno == EINPROGRESS else {
                failures.append("\(address.text): \(String(cString: strerror(errno)))")
                close(fd)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, deadline.remainingMilliseconds)
            if ready <= 0 {
                failures.append("\(address.text): timed out")
                close(fd)
                continue
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return fd }
            failures.append("\(address.text): \(String(cString: strerror(error)))")
            close(fd)
        }
        let allTimedOut = !failures.isEmpty && failures.allSatisfy { $0.hasSuffix("timed out") || $0.hasSuffix("no time left") }
        throw TLSFetchError(allTimedOut ? .timeout : .connect, endpoint, cause: failures.joined(separator: "; "))
    }

    /// Waits until `fd` is readable (or writable) or the deadline passes; false on timeout.
    static func wait(_ fd: Int32, forWrite: Bool, deadline: Deadline) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(forWrite ? POLLOUT : POLLIN), revents: 0)
        while true {
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 { return false }
            let r = poll(&pfd, 1, remaining)
            if r > 0 { return true }
            if r == 0 { return false }
            if errno != EINTR { return true }  // let the next read or write report the error
        }
    }

    /// Sends all bytes before the deadline.
    static func send(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline, endpoint: Endpoint) throws(TLSFetchError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
            } else if errno == EAGAIN || errno == EINTR {
                guard wait(fd, forWrite: true, deadline: deadline) else { throw TLSFetchError(.timeout, endpoint, cause: "sending to the proxy") }
            } else {
                throw TLSFetchError(.proxy, endpoint, cause: String(cString: strerror(errno)))
            }
        }
    }

    /// Reads an HTTP response head (up to the blank line), at most `limit` bytes, before the deadline.
    static func readHead(_ fd: Int32, limit: Int, deadline: Deadline, endpoint: Endpoint) throws(TLSFetchError) -> String {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        // One byte at a time: nothing after the blank line may be consumed, it belongs to TLS.
        while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
            guard head.count < limit else { throw TLSFetchError(.proxy, endpoint, cause: "the proxy's response is longer than \(limit) bytes") }
            let n = recv(fd, &byte, 1, 0)
            if n == 1 {
                head.append(byte)
            } else if n == 0 {
                throw TLSFetchError(.proxy, endpoint, cause: "the proxy closed the connection")
            } else if errno == EAGAIN || errno == EINTR {
                guard wait(fd, forWrite: false, deadline: deadline) else { throw TLSFetchError(.timeout, endpoint, cause: "waiting for the proxy's answer") }
            } else {
                throw TLSFetchError(.proxy, endpoint, cause: String(cString: strerror(errno)))
            }
        }
        return String(decoding: head, as: UTF8.self)
    }
}
