import Synchronization

/// The workaround for PostgresNIO's pool stranding requests across a Postgres restart.
///
/// The upstream problem: with PostgresNIO 1.33.2, a request that waits for a connection of
/// `PostgresClient` while Postgres restarts under load can wait for ever: requests made
/// after the restart are served, the stranded ones never resume (first seen in the delivery
/// tests' Postgres restart). A service loop stuck on one would stop the service. So every
/// call of ``Database`` goes through ``bounded(by:_:)``.
///
/// `PoolStrandingTests` reproduces the problem on a private cluster with the bare client
/// (recorded there as a known issue) and shows the workaround settles every call. When the
/// reproduction no longer strands anything with a newer PostgresNIO, delete this type and
/// let ``Database`` call the client directly.
public enum StrandedPoolRequests {
    /// Runs `work` as a task of its own and stops waiting for it after `limit`, cancelling it.
    ///
    /// Unlike a task-group timeout this returns even if `work` ignores cancellation, as a
    /// stranded pool request does.
    public static func bounded<R: Sendable>(
        by limit: Duration,
        _ work: @escaping @Sendable () async throws -> R
    ) async throws -> R {
        let race = DeadlineRace<R>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
                race.start(continuation, limit: limit, work)
            }
        } onCancel: {
            race.cancelWork()
        }
    }
}

/// Database work that did not finish within its deadline; it was cancelled.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "database call did not finish within \(limit)" }
}

/// The shared state of one ``StrandedPoolRequests/bounded(by:_:)`` call: whoever settles first wins.
private final class DeadlineRace<R: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<R, any Error>?
        var worker: Task<Void, Never>?
        var timer: UInt64?
    }
    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<R, any Error>, limit: Duration,
        _ work: @escaping @Sendable () async throws -> R
    ) {
        state.withLock { $0.continuation = continuation }
        let worker = Task {
            let result: Result<R, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            if let timer = self.settle(result)?.timer { DeadlineWheel.shared.cancel(timer) }
        }
        let timer = DeadlineWheel.shared.schedule(after: limit) {
            self.settle(.failure(DeadlineExceeded(limit: limit)))?.worker?.cancel()
        }
        state.withLock { state in
            state.worker = worker
            state.timer = timer
        }
    }

    func cancelWork() {
        state.withLock { $0.worker }?.cancel()
    }

    /// Resumes the caller if nobody has yet; returns the tasks then, so the loser can be cancelled.
    private func settle(_ result: Result<R, any Error>) -> (worker: Task<Void, Never>?, timer: UInt64?)? {
        let taken = state.withLock { state -> (CheckedContinuation<R, any Error>, Task<Void, Never>?, UInt64?)? in
            guard let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.worker, state.timer)
        }
        guard let (continuation, worker, timer) = taken else { return nil }
        continuation.resume(with: result)
        return (worker, timer)
    }
}
