import Contracts
import CoreMetrics
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Tasks

/// Runs due tasks: claims them with `FOR UPDATE SKIP LOCKED` under a lease, runs their
/// handlers concurrently, and records success, a retry with backoff, or the final failure.
///
/// A worker killed mid-task loses its lease; another claims the task when the lease runs
/// out, so handlers must look before they act (the external call may already be done).
public final class TaskWorker: Service {
    let store: ServiceStore
    let registry: TaskRegistry
    let concurrency: Int
    let lease: Duration
    let backoff: Backoff
    let idleInterval: Duration
    let logger: Logger
    let metrics = MessagingMetrics()
    /// The tasks being executed now, by id, with their attempt.
    private let running = Mutex<[UUID: Int]>([:])
    /// Whether the last claim filled the room it had, so due tasks may be waiting.
    private let backlog = Atomic(false)

    public init(
        store: ServiceStore, registry: TaskRegistry, concurrency: Int = 8, lease: Duration = .seconds(30),
        backoff: Backoff = Backoff(base: 1, maximum: 600),
        idleInterval: Duration = .milliseconds(200), logger: Logger
    ) {
        self.store = store
        self.registry = registry
        self.concurrency = concurrency
        self.lease = lease
        self.backoff = backoff
        self.idleInterval = idleInterval
        self.logger = logger
    }

    /// Keeps up to `concurrency` tasks in flight, claiming more as soon as one finishes,
    /// so one slow task never holds back the others.
    ///
    /// A finished task sends the loop back to claim only while the queue may hold more than
    /// it could take (the last claim filled the room it had): otherwise that claim would
    /// find nothing, and new tasks wake the loop themselves.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.renewLeases() }
                while !Task.isCancelled {
                    let room = self.concurrency - self.running.withLock(\.count)
                    var claimed: [ClaimedTask] = []
                    if room > 0 {
                        do {
                            claimed = try await self.claim(limit: room)
                        } catch {
                            self.logger.warning(
                                "claiming tasks failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                            try? await Task.sleep(for: .milliseconds(500))
                            continue
                        }
                    }
                    let full = claimed.count == room
                    self.backlog.store(full, ordering: .releasing)
                    for task in claimed {
                        self.running.withLock { $0[task.id] = task.attempt }
                        group.addTask {
                            await self.execute(task)
                            self.running.withLock { $0[task.id] = nil }
                            if self.backlog.load(ordering: .acquiring) { self.store.tasks.signal.signal() }
                        }
                    }
                    // A claim that filled its room is followed by the finishes' signals; one that
                    // did not has taken every due task, and the next enqueue signals.
                    await self.store.tasks.signal.wait(upTo: self.idleInterval)
                }
            }
        }
    }

    func claim(limit: Int) async throws -> [ClaimedTask] {
        let rows = try await store.database.run(
            ClaimTasks(leaseSeconds: lease / .seconds(1), types: registry.types, limit: limit))
        return try rows.map { row in
            let (id, type, payload, attempt, maxAttempts, correlation) = try row.decode(
                (UUID, String, String, Int, Int, UUID?).self)
            return ClaimedTask(
                id: id, type: type, payload: payload, attempt: attempt,
                maxAttempts: maxAttempts, correlationID: correlation)
        }
    }

    func execute(_ task: ClaimedTask) async {
        let completion = TaskCompletion(task: task, store: store)
        do {
            guard let entry = registry.entries[task.type] else {
                throw PermanentTaskFailure("no handler for \(task.type)")
            }
            try await entry.run(task, completion)
            if !completion.isFinished { try await completion.finish { _ in } }
            metrics.tasksDone.increment()
        } catch is LeaseLost {
            logger.warning("task lease lost; another worker has it", metadata: ["task": "\(task.id)"])
        } catch let deferral as TaskDeferral {
            await postpone(task, deferral)
        } catch {
            await recordFailure(task, error: error)
        }
    }

    /// Extends the leases of the running tasks every third of a lease, all in one statement,
    /// so a short lease finds a crashed worker's tasks quickly without taking a slow but live
    /// one away.
    private func renewLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: lease / 3)
            let running = self.running.withLock { $0 }
            guard !Task.isCancelled, !running.isEmpty else { continue }
            do {
                try await store.database.run(
                    RenewLeases(
                        leaseSeconds: lease / .seconds(1), ids: Array(running.keys),
                        attempts: Array(running.values)))
            } catch {
                logger.warning("renewing task leases failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func postpone(_ task: ClaimedTask, _ deferral: TaskDeferral) async {
        let seconds = deferral.delay / .seconds(1)
        do {
            _ = try await store.query(
                """
                UPDATE tasks SET status = 'pending', attempts = attempts - 1, last_error = \(deferral.reason),
                    locked_until = NULL, updated_at = now(), next_attempt_at = now() + make_interval(secs => \(seconds))
                WHERE id = \(task.id) AND status = 'running' AND attempts = \(task.attempt)
                """)
            logger.info(
                "task deferred",
                metadata: ["task": "\(task.id)", "type": "\(task.type)", "reason": "\(deferral.reason)"])
        } catch {
            logger.warning(
                "deferring a task failed", metadata: ["task": "\(task.id)", "error": "\(String(reflecting: error))"])
        }
    }

    private func recordFailure(_ task: ClaimedTask, error: any Error) async {
        let permanent = error is PermanentTaskFailure
        let message = Self.describe(error)
        let retrySeconds =
            min(backoff.maximum, backoff.base * pow(2, Double(task.attempt - 1))) * Double.random(in: 0.5...1)
        let (logger, hook, metrics) = (self.logger, registry.entries[task.type]?.onFinalFailure, self.metrics)
        do {
            try await store.transaction(correlationID: task.correlationID) { transaction in
                let final = permanent || task.attempt >= task.maxAttempts
                let updated = try await transaction.connection.query(
                    """
                    UPDATE tasks SET status = \(final ? "failed" : "pending"), last_error = \(message),
                        locked_until = NULL, updated_at = now(), finished_at = \(final ? Date() : nil),
                        next_attempt_at = now() + make_interval(secs => \(retrySeconds))
                    WHERE id = \(task.id) AND status = 'running' AND attempts = \(task.attempt) RETURNING id
                    """, logger: logger
                ).collect()
                if final && !updated.isEmpty {
                    try await hook?(
                        task, TaskFailure(taskID: task.id, attempt: task.attempt, message: message), transaction)
                }
                (final ? metrics.tasksFailed : metrics.tasksRetried).increment()
                logger.log(
                    level: final ? .error : .warning, final ? "task failed for good" : "task failed; will retry",
                    metadata: [
                        "task": "\(task.id)", "type": "\(task.type)", "attempt": "\(task.attempt)/\(task.maxAttempts)",
                        "error": "\(message)",
                    ])
            }
        } catch {
            // The lease runs out and the task is claimed again: nothing is lost.
            logger.warning(
                "recording a task failure failed",
                metadata: ["task": "\(task.id)", "error": "\(String(reflecting: error))"])
        }
    }
}

extension TaskWorker {
    /// An error as operators should read it in `last_error` and the log. Postgres errors
    /// describe themselves generically (to keep bound values out of logs); their SQL state,
    /// server message or the column that would not decode are safe and say what went wrong.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            "database error \(error.serverInfo?[.sqlState] ?? "-"): \(error.serverInfo?[.message] ?? "\(error.code)")"
        case let error as PostgresDecodingError:
            "cannot decode column \(error.columnName) (\(error.postgresType)) as \(error.targetType)"
        default:
            String(describing: error)
        }
    }
}

/// Thrown when a task's lease ran out and another worker claimed it meanwhile.
struct LeaseLost: Error {}

/// Leases up to `limit` due tasks of the given types: pending ones whose time has come and
/// running ones whose worker's lease ran out.
struct ClaimTasks: PreparedStatement {
    static let sql = Self(leaseSeconds: 0, types: [], limit: 0).query.sql
    var leaseSeconds: Double
    var types: [String]
    var limit: Int

    var query: PostgresQuery {
        """
        UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, updated_at = now(),
            locked_until = now() + make_interval(secs => \(leaseSeconds))
        WHERE t.id IN (
            SELECT id FROM tasks
            WHERE ((status = 'pending' AND next_attempt_at <= now()) OR (status = 'running' AND locked_until < now()))
              AND type = ANY(\(types))
            ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
        RETURNING t.id, t.type, t.payload, t.attempts, t.max_attempts, t.correlation_id
        """
    }
}

/// Extends the leases of the given attempts of running tasks.
///
/// Found by id through the primary key, not by joining `unnest(ids, attempts)`: a plan for that
/// join made while `tasks` was empty scans the whole table once per id (the relay's round hit
/// exactly that, docs/performance.md). The arrays hold at most the worker's concurrency.
struct RenewLeases: PreparedStatement {
    static let sql = Self(leaseSeconds: 0, ids: [], attempts: []).query.sql
    var leaseSeconds: Double
    var ids: [UUID]
    var attempts: [Int]

    var query: PostgresQuery {
        """
        UPDATE tasks t SET locked_until = now() + make_interval(secs => \(leaseSeconds))
        WHERE t.id = ANY(\(ids)::uuid[]) AND t.status = 'running'
          AND t.attempts = (\(attempts)::int[])[array_position(\(ids)::uuid[], t.id)]
        """
    }
}

/// Marks a task done if this attempt still holds it; returns its id then, nothing otherwise.
struct FinishTask: PreparedStatement {
    static let sql = Self(id: UUID(), attempt: 0).query.sql
    var id: UUID
    var attempt: Int

    var query: PostgresQuery {
        """
        UPDATE tasks SET status = 'done', finished_at = now(), locked_until = NULL, updated_at = now()
        WHERE id = \(id) AND status = 'running' AND attempts = \(attempt) RETURNING id
        """
    }
}
