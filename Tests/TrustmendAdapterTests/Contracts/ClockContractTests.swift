import Testing
import TrustmendTesting

/// `ManualClock` held to `ContinuousClock` where the daemon relies on it: a sleeper wakes once its
/// deadline has passed and not before, a deadline already past does not sleep, a cancelled sleep throws.
@Suite struct ClockContractTests {
    /// A clock and how to let `duration` pass on it.
    struct Subject<C: Clock & Sendable>: Sendable where C.Duration == Duration {
        var clock: C
        var pass: @Sendable (Duration) async -> Void
    }

    static let manual: Subject<ManualClock> = {
        let clock = ManualClock()
        return Subject(clock: clock, pass: { clock.advance(by: $0) })
    }()

    static let continuous = Subject(clock: ContinuousClock(), pass: { try? await Task.sleep(for: $0) })

    func wakesAtItsDeadline<C>(_ subject: Subject<C>) async throws {
        let deadline = subject.clock.now.advanced(by: .milliseconds(100))
        let sleeper = Task { try await subject.clock.sleep(until: deadline, tolerance: nil) }
        await subject.pass(.milliseconds(150))
        try await sleeper.value
        #expect(subject.clock.now >= deadline)
        try await subject.clock.sleep(until: deadline, tolerance: nil)  // already past: returns at once
    }

    func aCancelledSleepThrows<C>(_ subject: Subject<C>) async throws {
        let sleeper = Task { try await subject.clock.sleep(until: subject.clock.now.advanced(by: .seconds(3600)), tolerance: nil) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func manualClockWakesAtItsDeadline() async throws { try await wakesAtItsDeadline(Self.manual) }
    @Test func continuousClockWakesAtItsDeadline() async throws { try await wakesAtItsDeadline(Self.continuous) }
    @Test func manualClockCancelledSleepThrows() async throws { try await aCancelledSleepThrows(Subject(clock: ManualClock(), pass: { _ in })) }
    @Test func continuousClockCancelledSleepThrows() async throws { try await aCancelledSleepThrows(Self.continuous) }
}
