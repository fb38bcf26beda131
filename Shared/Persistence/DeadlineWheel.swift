import Synchronization

/// Runs actions at their deadlines from one ticking task.
///
/// A `Task.sleep` per wait costs a dispatch timer that stays queued until it would have
/// fired, even when the wait ends early; at thousands of database calls a second those
/// timers dominated the CPU. Here a wait that ends early only removes its entry, and
/// deadlines are kept to the tick (50 ms), which the 10 s query deadlines and the idle
/// intervals of the loops can well afford.
public final class DeadlineWheel: Sendable {
    public static let shared = DeadlineWheel(tick: .milliseconds(50))

    private struct State {
        var entries: [UInt64: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)] = [:]
        var next: UInt64 = 0
        var ticking = false
    }
    private let state = Mutex(State())
    private let tick: Duration

    public init(tick: Duration) {
        self.tick = tick
    }

    /// Runs `action` once `delay` has passed, unless cancelled first; returns the entry's id.
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now + delay
        let (id, start) = state.withLock { state in
            state.next += 1
            state.entries[state.next] = (deadline, action)
            defer { state.ticking = true }
            return (state.next, !state.ticking)
        }
        if start { Task.detached { await self.run() } }
        return id
    }

    public func cancel(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Ticks while there are entries; the next `schedule` starts it again.
    private func run() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due = state.withLock { state -> [@Sendable () -> Void]? in
                let due = state.entries.filter { $0.value.deadline <= now }
                for id in due.keys { state.entries.removeValue(forKey: id) }
                if state.entries.isEmpty && due.isEmpty {
                    state.ticking = false
                    return nil
                }
                return due.map(\.value.action)
            }
            guard let due else { return }
            for action in due { action() }
        }
    }
}
