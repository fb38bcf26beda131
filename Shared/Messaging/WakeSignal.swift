import Synchronization

/// Lets one task sleep until another has something for it, or a timeout passes.
///
/// A signal given while nobody waits is kept, so a wake-up between two waits is not lost.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var marked = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next one to wait.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
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
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
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
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
