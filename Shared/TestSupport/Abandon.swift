import Synchronization

/// `work` took longer than a test allows.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// The result of `work`, or ``TimedOut`` after `limit` — then `work` is cancelled and left
/// behind: a wait that ignores cancellation must not hang the test that asked.
public func value<R: Sendable>(of work: Task<R, any Error>, within limit: Duration, what: String) async throws -> R {
    let slot = ContinuationSlot<R>()
    return try await withCheckedThrowingContinuation { continuation in
        slot.fill(continuation)
        let timer = Task {
            try await Task.sleep(for: limit)
            slot.resume(with: .failure(TimedOut(description: "\(what) took longer than \(limit)")))
            work.cancel()
        }
        Task {
            let result = await work.result
            timer.cancel()
            slot.resume(with: result)
        }
    }
}

/// A continuation resumed by whichever side finishes first.
private final class ContinuationSlot<R: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<R, any Error>?>(nil)

    func fill(_ continuation: CheckedContinuation<R, any Error>) { self.continuation.withLock { $0 = continuation } }

    func resume(with result: Result<R, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}
