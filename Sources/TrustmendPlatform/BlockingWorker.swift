import Glibc

/// One dedicated thread that runs blocking C calls in order, bridged to async.
///
/// sd-journal's waits block for as long as nothing is written; on the cooperative pool (two threads
/// here) that would stall the whole daemon. The thread owns the C object it works on, so the object is
/// never used from two threads at once.
public final class BlockingWorker: @unchecked Sendable {
    // @unchecked: `jobs` and `closed` are only touched with `mutex` held; the thread is the only consumer.
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [() -> Void] = []
    private var closed = false
    private var thread = pthread_t()

    public init(name: String) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        let box = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<BlockingWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.loop()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
        _ = name
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
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Queues a job without waiting for it.
    public func submit(_ job: @escaping () -> Void) {
        pthread_mutex_lock(&mutex)
        jobs.append(job)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&mutex)
            while jobs.isEmpty && !closed { pthread_cond_wait(&condition, &mutex) }
            if jobs.isEmpty && closed {
                pthread_mutex_unlock(&mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(&mutex)
            job()
        }
    }
}
