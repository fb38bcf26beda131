import Logging
import PostgresNIO

/// What runs one statement: the database (each statement on its own) or a transaction, so
/// that one store function serves both.
public protocol QueryRunning {
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow]
}

/// A service's connection pool, for work that must never hang: every call has a deadline.
///
/// The deadline is ``StrandedPoolRequests``' workaround for an upstream problem: a call
/// that passes it is abandoned and cancelled, and the caller retries as it would after any
/// database error. A service's connections carry the same bound as `statement_timeout`
/// (``DatabaseSettings/statementTimeout``): without it Postgres would go on running the
/// abandoned statement, holding its locks, while the retry queued behind it — the outbox
/// relay's rounds were seen piling up four deep so.
public struct Database: Sendable, QueryRunning {
    public let client: PostgresClient
    public let logger: Logger
    public var deadline: Duration

    /// How long a call may take before it is abandoned.
    public static let defaultDeadline = Duration.seconds(10)

    public init(client: PostgresClient, logger: Logger, deadline: Duration = Database.defaultDeadline) {
        self.client = client
        self.logger = logger
        self.deadline = deadline
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// An error `body` throws reaches the caller as itself once the rollback succeeded.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R)
        async throws -> R
    {
        let (client, logger) = (client, logger)
        return try await StrandedPoolRequests.bounded(by: deadline) {
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
        return try await StrandedPoolRequests.bounded(by: deadline) {
            try await client.query(query, logger: logger).collect()
        }
    }
}
