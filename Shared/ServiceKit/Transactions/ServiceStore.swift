import Contracts
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import Tasks

/// A service's database with its outbox and task queue: every write goes through
/// ``transaction(correlationID:_:)``, which wakes the relay and the workers after COMMIT,
/// never before, so no call site wakes anything by hand.
public struct ServiceStore: Sendable {
    public let database: Database
    public let outbox: Outbox
    public let tasks: TaskQueue

    public init(database: Database, outbox: Outbox, tasks: TaskQueue = TaskQueue()) {
        self.database = database
        self.outbox = outbox
        self.tasks = tasks
    }

    public var logger: Logger { database.logger }

    /// Runs `body` in a transaction; once it has committed, what it sent is relayed and what
    /// it queued is worked.
    public func transaction<R: Sendable>(
        correlationID: UUID? = nil, _ body: @escaping @Sendable (Transaction) async throws -> R
    ) async throws -> R {
        let (logger, outbox, tasks) = (logger, outbox, tasks)
        let result = try await database.transaction { connection in
            try await body(
                Transaction(
                    connection: connection, logger: logger, correlationID: correlationID,
                    outbox: outbox, tasks: tasks))
        }
        // Only if the committed work gave them something.
        outbox.wakeRelayIfAppended()
        tasks.wakeIfEnqueued()
        return result
    }

    /// Runs one statement outside any transaction (reads).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await database.query(query)
    }
}
