import Logging
import PostgresNIO
import Synchronization

/// A statement Postgres parses and plans once per connection; later runs only bind values.
///
/// For the statements every message and task runs (outbox, inbox, task queue): sent as an
/// unnamed statement, each run is parsed, analysed and planned anew, which was about a third
/// of Postgres's CPU per order. The statement is still written as a `PostgresQuery`
/// interpolation, in ``query``; every interpolated value becomes a `$n`, so the text does not
/// depend on the values and any one instance gives the text to prepare:
///
/// ```swift
/// struct FinishTask: PreparedStatement {
///     static let sql = Self(id: UUID(), attempt: 0).query.sql
///     var id: UUID
///     var attempt: Int
///     var query: PostgresQuery { "UPDATE tasks SET status = 'done' WHERE id = \(id) AND attempts = \(attempt)" }
/// }
/// ```
///
/// A value bound as `nil` has no type of its own; Postgres infers the parameter's type from
/// where it stands when the statement is first prepared, so use `nil` only where that is clear.
public protocol PreparedStatement: PostgresPreparedStatement where Row == PostgresRow {
    /// The statement with this value's parameters.
    var query: PostgresQuery { get }
}

extension PreparedStatement {
    /// The type's name and the current preparation epoch: see ``PostgresConnection/run(_:logger:)``.
    public static var name: String { "\(String(reflecting: Self.self))#\(preparationEpoch.load(ordering: .relaxed))" }

    public func makeBindings() -> PostgresBindings {
        let query = self.query
        assert(query.sql == Self.sql, "\(Self.self)'s SQL text must not depend on its values")
        return query.binds
    }

    public func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Part of every prepared statement's name; a new epoch prepares each one anew.
private let preparationEpoch = Atomic<Int>(0)

extension PostgresConnection {
    /// Runs a prepared statement, preparing it on this connection first if needed; returns all its rows.
    public func run<Statement: PreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [PostgresRow]
    {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch let error as PSQLError where ["25P02", "57014"].contains(error.serverInfo?[.sqlState]) {
            // PostgresNIO keeps a failed preparation's error for the connection's life and
            // answers every later run of that statement there with it. Two refusals can
            // come from preparing and pass: a transaction a failed statement had aborted,
            // and a cancelled statement. After either, every statement gets a new name, so
            // the next run prepares it again instead of failing for ever.
            preparationEpoch.add(1, ordering: .relaxed)
            throw error
        }
    }
}

extension Database {
    /// Runs one prepared statement and returns all its rows.
    @discardableResult
    public func run<Statement: PreparedStatement>(_ statement: Statement) async throws -> [PostgresRow] {
        let (client, logger) = (client, logger)
        return try await StrandedPoolRequests.bounded(by: deadline) {
            try await client.withConnection { connection in try await connection.run(statement, logger: logger) }
        }
    }
}
