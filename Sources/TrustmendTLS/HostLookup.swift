import Glibc
import Synchronization
import TrustmendCore

/// A name lookup bounded by the connect deadline.
///
/// getaddrinfo cannot be interrupted, and glibc's resolver waits `timeout` × `attempts` for each name
/// server of /etc/resolv.conf (5 s × 2 × up to 3 by default) when none answers: a fetch took that long
/// before its connect time limit even started. So the lookup runs on a thread of its own, and the fetch
/// waits for it only until the deadline; then it goes on without it (a `resolve` error), and the thread
/// ends by itself when the resolver gives up, freeing what it found. Never on the cooperative pool: the
/// fetch itself runs on its dedicated thread. At most `maxRunning` lookups run at once: past that (a
/// resolver that answers nobody), a name is refused at once rather than given one more thread.
final class HostLookup: @unchecked Sendable {
    // @unchecked: `result` is only touched with `mutex` held; the thread and the waiter share nothing else.
    // The mutex and condition live on the heap: a pthread object must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var result: Result<[Sockets.Address], TLSFetchError>?
    private let endpoint: Endpoint

    static let maxRunning = 16
    /// Lookups whose thread has not returned, whether or not anyone still waits for them.
    static let running = Atomic<Int>(0)

    private init(_ endpoint: Endpoint) {
        self.endpoint = endpoint
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)  // Deadline's clock
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Every address of `endpoint`, looked up before `deadline`. IP literals are not looked up. Throws
    /// `.resolve` when the name does not resolve, when the resolver has not answered by the deadline,
    /// or when `maxRunning` lookups are still waiting for it.
    static func addresses(of endpoint: Endpoint, before deadline: Deadline, limit: Duration) throws(TLSFetchError) -> [Sockets.Address] {
        if endpoint.isIPLiteral { return try Sockets.resolve(endpoint) }  // AI_NUMERICHOST: nothing to wait for
        guard running.add(1, ordering: .relaxed).newValue <= maxRunning else {
            running.subtract(1, ordering: .relaxed)
            throw TLSFetchError(
                .resolve, endpoint, cause: "\(maxRunning) earlier name lookups are still waiting for the name servers of /etc/resolv.conf")
        }
        let lookup = HostLookup(endpoint)
        guard lookup.start() else {
            running.subtract(1, ordering: .relaxed)
            throw TLSFetchError(.resolve, endpoint, cause: "no thread for the name lookup")
        }
        guard let result = lookup.wait(until: deadline) else {
            throw TLSFetchError(
                .resolve, endpoint, cause: "no answer from the name servers of /etc/resolv.conf within the connect time limit (\(limit))")
        }
        return try result.get()
    }

    private func start() -> Bool {
        var thread = pthread_t()
        let retained = Unmanaged.passRetained(self)
        let created = pthread_create(&thread, nil, { raw in
            let lookup = Unmanaged<HostLookup>.fromOpaque(raw!).takeRetainedValue()
            lookup.run()
            return nil
        }, retained.toOpaque())
        guard created == 0 else {
            retained.release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private func run() {
        let found = Result { () throws(TLSFetchError) in try Sockets.resolve(endpoint) }
        HostLookup.running.subtract(1, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        result = found
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The lookup's result, nil when the deadline passed first.
    private func wait(until deadline: Deadline) -> Result<[Sockets.Address], TLSFetchError>? {
        var time = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while result == nil {
            if pthread_cond_timedwait(condition, mutex, &time) == ETIMEDOUT { break }
        }
        return result
    }
}
