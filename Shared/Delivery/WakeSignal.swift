import Persistence
import Synchronization

/// Lets one task sleep until another has something for it, or a timeout passes.
///
/// A signal given while nobody waits is kept, so a wake-up between two waits is not lost.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var marked = false
        var waiter: CheckedContinuation<Void, Never>?
        var timer: UInt64?
    }
    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next one to wait.
    public func signal() {
        let waiting = state.withLock { state -> Bool in
            if state.waiter == nil { state.pending = true }
            return state.waiter != nil
        }
        if waiting { resumeWaiter() }
    }

    /// Notes that there will be something to do once the current transaction commits.
    public func mark() { state.withLock { $0.marked = true } }

    /// Signals if ``mark()`` was called since the last time; a commit that wrote nothing
    /// for the waiter then costs it no round.
    public func signalIfMarked() {
        let marked = state.withLock { state -> Bool in
            defer { state.marked = false }
            return state.marked
        }
        if marked { signal() }
    }

    /// Returns after a signal, after `timeout`, or on cancellation, whichever is first.
    public func wait(upTo timeout: Duration) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { return continuation.resume() }
                let timer = DeadlineWheel.shared.schedule(after: timeout) { self.resumeWaiter() }
                state.withLock { $0.timer = timer }
            }
        } onCancel: {
            resumeWaiter()
        }
    }

    /// Resumes the waiter, if any, and drops its timeout.
    private func resumeWaiter() {
        let (waiter, timer) = state.withLock { state in
            defer {
                state.waiter = nil
                state.timer = nil
            }
            return (state.waiter, state.timer)
        }
        if let timer { DeadlineWheel.shared.cancel(timer) }
        waiter?.resume()
    }
}
