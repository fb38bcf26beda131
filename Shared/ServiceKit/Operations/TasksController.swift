import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO

/// The task endpoints every service offers operators under `/api/<service>`:
/// list, show, retry, failed, clear failed, and stats.
public struct TasksController<Context: RequestContext>: Sendable {
    let store: ServiceStore
    /// Each task type's own hook runs when one is retried (to reset what the task works on).
    let registry: TaskRegistry
    var database: Database { store.database }

    public init(store: ServiceStore, registry: TaskRegistry) {
        self.store = store
        self.registry = registry
    }

    struct TaskRow: Encodable {
        let id: UUID
        let type: String
        let status: String
        let attempts: Int
        let maxAttempts: Int
        let lastError: String?
        let payload: String
        let correlationID: UUID?
        let createdAt: Date
        let updatedAt: Date
        let nextAttemptAt: Date

        enum CodingKeys: String, CodingKey {
            case id, type, status, attempts, payload
            case maxAttempts = "max_attempts"
            case lastError = "last_error"
            case correlationID = "correlation_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case nextAttemptAt = "next_attempt_at"
        }
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.get("tasks") { request, _ in
            let status = request.uri.queryParameters.get("status")
            if let status, !["pending", "running", "done", "failed"].contains(status) {
                throw APIError.invalid("status", "status is one of pending, running, done, failed")
            }
            return try await list(
                status: status, type: request.uri.queryParameters.get("type"), paging: Paging(request))
        }
        group.get("tasks/{id}") { _, context in
            let id = try context.parameters.require("id", as: UUID.self)
            guard let task = try await rows(id: id, limit: 1, offset: 0).first else { throw APIError.notFound("task") }
            return APIResponse.json(task)
        }
        group.get("failed") { request, _ in try await list(status: "failed", type: nil, paging: Paging(request)) }
        group.delete("failed") { _, _ in
            let count = try await database.query(
                "WITH gone AS (DELETE FROM tasks WHERE status = 'failed' RETURNING 1) SELECT count(*)::int FROM gone"
            )
            .first!.decode(Int.self)
            return APIResponse.json(["deleted": count])
        }
        group.post("retry/{id}") { _, context in try await retry(try context.parameters.require("id", as: UUID.self)) }
    }

    /// Task counts by type and status, for a service's stats endpoint.
    public func counts() async throws -> [String: [String: Int]] {
        var byType: [String: [String: Int]] = [:]
        for row in try await database.query("SELECT type, status, count(*)::int FROM tasks GROUP BY type, status") {
            let (type, status, count) = try row.decode((String, String, Int).self)
            byType[type, default: [:]][status] = count
        }
        return byType
    }

    /// Puts a failed task back; 404 when unknown, 409 when it is not failed.
    func retry(_ id: UUID) async throws -> Response {
        let registry = registry
        let retried: Bool
        do {
            retried = try await store.transaction { transaction in
                guard let task = try await store.tasks.retry(id, in: transaction) else { return false }
                try await registry.beforeRetry(type: task.type, payload: task.payload, in: transaction)
                return true
            }
        } catch let refused as RetryRefused {
            throw APIError.conflict(refused.code, refused.reason)
        }
        guard retried else {
            guard try await !rows(id: id, limit: 1, offset: 0).isEmpty else { throw APIError.notFound("task") }
            throw APIError.conflict("not_failed", "only a failed task can be retried")
        }
        return APIResponse.json(["id": id.uuidString, "status": "pending"], status: .accepted)
    }

    private func list(status: String?, type: String?, paging: Paging) async throws -> Response {
        let items = try await rows(status: status, type: type, limit: paging.perPage, offset: paging.offset)
        let total = try await database.query(
            """
            SELECT count(*)::int FROM tasks
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(type)::text IS NULL OR type = \(type))
            """
        ).first!.decode(Int.self)
        return APIResponse.json(Page(items: items, paging: paging, total: total))
    }

    private func rows(id: UUID? = nil, status: String? = nil, type: String? = nil, limit: Int, offset: Int) async throws
        -> [TaskRow]
    {
        try await database.query(
            """
            SELECT id, type, status, attempts, max_attempts, last_error, payload, correlation_id, created_at, updated_at,
                   next_attempt_at FROM tasks
            WHERE (\(id)::uuid IS NULL OR id = \(id)) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(type)::text IS NULL OR type = \(type))
            ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, type, status, attempts, maxAttempts, lastError, payload, correlation, created, updated, next) =
                try row.decode((UUID, String, String, Int, Int, String?, String, UUID?, Date, Date, Date).self)
            return TaskRow(
                id: id, type: type, status: status, attempts: attempts, maxAttempts: maxAttempts, lastError: lastError,
                payload: payload, correlationID: correlation, createdAt: created, updatedAt: updated,
                nextAttemptAt: next)
        }
    }
}
