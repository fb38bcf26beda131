import Logging
import PostgresNIO
import Synchronization

/// A service's connection pool, for work that must never hang: every call has a deadline.
///
/// PostgresNIO 1.33's pool can leave a request waiting for ever when Postgres restarts
/// under load (seen in the delivery tests: requests queued during the restart are never
/// served, while new ones are). A background loop stuck on such a request would stop the
/// service, so each call here is abandoned and cancelled after `deadline`, and the caller
/// retries as it would after any database error.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    public var deadline: Duration

    public init(client: PostgresClient, logger: Logger, deadline: Duration = .seconds(10)) {
        self.client = client
        self.logger = logger
        self.deadline = deadline
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// An error `body` throws reaches the caller as itself once the rollback succeeded.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let (client, logger) = (client, logger)
        return try await withDeadline(deadline) {
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
                throw error
            }
        }
    }

    /// Runs one statement and returns all its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let (client, logger) = (client, logger)
        return try await withDeadline(deadline) {
            try await client.query(query, logger: logger).collect()
        }
    }
}

/// Database work that did not finish within its deadline; it was cancelled.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "database call did not finish within \(limit)" }
}

/// Runs `work` as a task of its own and stops waiting for it after `limit`, cancelling it.
///
/// Unlike a task-group timeout this returns even if `work` ignores cancellation.
public func withDeadline<R: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> R) async throws -> R {
    let race = DeadlineRace<R>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            race.start(continuation, limit: limit, work)
        }
    } onCancel: {
        race.cancelWork()
    }
}

/// The shared state of one ``withDeadline(_:_:)`` call: whoever settles first wins.
private final class DeadlineRace<R: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<R, any Error>?
        var worker: Task<Void, Never>?
        var timer: UInt64?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<R, any Error>, limit: Duration, _ work: @escaping @Sendable () async throws -> R) {
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
