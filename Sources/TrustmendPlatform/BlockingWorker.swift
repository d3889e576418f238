import Glibc

/// One dedicated thread that runs blocking C calls in order, bridged to async.
///
/// sd-journal's waits block for as long as nothing is written; on the cooperative pool (two threads
/// here) that would stall the whole daemon. The thread owns the C object it works on, so the object is
/// never used from two threads at once.
public final class BlockingWorker: @unchecked Sendable {
    // @unchecked: `jobs` and `closed` are only touched with `mutex` held; the thread is the only consumer.
    // The mutex and condition live on the heap, not in the object: a pthread_mutex_t must not move, and
    // Swift may move a stored property's value (`&property` can pass a temporary copy).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [() -> Void] = []
    private var closed = false
    private var thread = pthread_t()

    public init(name: String) {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        let box = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<BlockingWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.loop()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
        _ = name
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` on the worker thread and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    /// Ends the thread after the jobs already queued.
    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Queues a job without waiting for it.
    public func submit(_ job: @escaping () -> Void) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func loop() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !closed { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty && closed {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job()
        }
    }
}
