import Logging
import Persistence
import Synchronization
import Tasks

/// What a running task's handler gets: the service's database for reads and the panel-side
/// work before it, and ``finish(_:)`` to mark the task done with its effects.
public final class TaskCompletion: Sendable {
    /// The task as claimed: its id, attempt and correlation.
    public let task: ClaimedTask
    let store: ServiceStore
    private let finished = Mutex(false)

    init(task: ClaimedTask, store: ServiceStore) {
        self.task = task
        self.store = store
    }

    /// The service's database, for reads and writes that need not be atomic with the finish.
    public var database: Database { store.database }
    public var logger: Logger { store.logger }

    var isFinished: Bool { finished.withLock { $0 } }

    /// Commits one step of a task that works in steps (a batch), in a transaction of its own
    /// before the finish: each step must be idempotent, as a task claimed again repeats the
    /// steps after the last one committed.
    public func step<R: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> R) async throws -> R {
        try await store.transaction(correlationID: task.correlationID, body)
    }

    /// Runs `effects` and marks the task done, atomically; throws if the lease was lost.
    /// What `effects` sends or queues carries the task's correlation.
    public func finish(_ effects: @escaping @Sendable (Transaction) async throws -> Void) async throws {
        let task = task
        try await store.transaction(correlationID: task.correlationID) { transaction in
            let updated = try await transaction.connection.run(
                FinishTask(id: task.id, attempt: task.attempt),
                logger: transaction.logger)
            guard !updated.isEmpty else { throw LeaseLost() }
            try await effects(transaction)
        }
        finished.withLock { $0 = true }
    }
}
