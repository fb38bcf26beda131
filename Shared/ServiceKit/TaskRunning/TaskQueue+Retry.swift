import Foundation
import PostgresNIO
import Tasks

extension TaskQueue {
    /// Puts a failed task back with a fresh set of attempts; returns its type and payload,
    /// or `nil` when no failed task has that id. The workers look once `transaction` commits.
    public func retry(_ id: UUID, in transaction: Transaction) async throws -> (type: String, payload: String)? {
        let rows = try await transaction.query(
            """
            UPDATE tasks SET status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL, updated_at = now()
            WHERE id = \(id) AND status = 'failed' RETURNING type, payload
            """)
        guard let row = rows.first else { return nil }
        transaction.workAfterCommit()
        return try row.decode((String, String).self)
    }
}
