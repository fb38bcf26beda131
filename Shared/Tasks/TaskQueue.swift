import Contracts
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import WireCodec

/// Enqueues and manages the service's tasks (the `tasks` table in its schema).
public struct TaskQueue: Sendable {
    package let signal: WakeSignal

    public init(signal: WakeSignal = WakeSignal()) {
        self.signal = signal
    }

    /// Adds a task in the caller's transaction (``Transaction/enqueue(_:dedupeKey:delay:)``).
    @discardableResult
    package func enqueue<T: TaskPayload>(
        _ payload: T, dedupeKey: String? = nil, correlationID: UUID? = nil, delay: Duration = .zero,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID? {
        let id = UUID()
        let json = try WireCoding.encodeText(payload)
        let seconds = Double(delay.components.seconds)
        signal.mark()
        let inserted = try await connection.run(
            EnqueueTask(
                id: id, type: T.taskType, payload: json, dedupeKey: dedupeKey, maxAttempts: T.maxAttempts,
                correlationID: correlationID, delaySeconds: seconds), logger: logger)
        return inserted.isEmpty ? nil : id
    }

    /// Adds many tasks of one type in one statement (``Transaction/enqueue(contentsOf:)``).
    @discardableResult
    package func enqueue<T: TaskPayload>(
        contentsOf tasks: [(payload: T, dedupeKey: String)], on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        guard !tasks.isEmpty else { return 0 }
        let ids = tasks.map { _ in UUID() }
        let json = try tasks.map { try WireCoding.encodeText($0.payload) }
        signal.mark()
        let inserted = try await connection.query(
            """
            INSERT INTO tasks (id, type, payload, dedupe_key, max_attempts)
            SELECT id, \(T.taskType), payload, key, \(T.maxAttempts)
            FROM unnest(\(ids)::uuid[], \(json)::text[], \(tasks.map(\.dedupeKey))::text[]) AS t(id, payload, key)
            ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        return inserted.count
    }

    /// Whether a task of type `T` whose payload has `value` under `key` is waiting or running.
    package func hasUnfinished<T: TaskPayload>(
        _ type: T.Type, whose key: String, is value: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM tasks WHERE type = \(T.taskType) AND status IN ('pending', 'running')
              AND payload::jsonb ->> \(key) = \(value) LIMIT 1
            """, logger: logger
        ).collect().isEmpty
    }

    /// The stored state of one task.
    public func status(of id: UUID, on client: PostgresClient, logger: Logger) async throws -> TaskStatus? {
        try await client.query(
            """
            SELECT id, type, status, attempts, max_attempts, last_error FROM tasks WHERE id = \(id)
            """, logger: logger
        ).collect().first.map { row in
            let (id, type, status, attempts, maxAttempts, lastError) = try row.decode(
                (UUID, String, String, Int, Int, String?).self)
            return TaskStatus(
                id: id, type: type, status: status, attempts: attempts, maxAttempts: maxAttempts, lastError: lastError)
        }
    }

    /// Wakes the workers only if a task was enqueued since the last call.
    package func wakeIfEnqueued() { signal.signalIfMarked() }
}

/// Adds one task unless its dedupe key is taken; returns its id if added.
struct EnqueueTask: PreparedStatement {
    static let sql = Self(
        id: UUID(), type: "", payload: "", dedupeKey: nil, maxAttempts: 0, correlationID: nil,
        delaySeconds: 0
    ).query.sql
    var id: UUID
    var type: String
    var payload: String
    var dedupeKey: String?
    var maxAttempts: Int
    var correlationID: UUID?
    var delaySeconds: Double

    var query: PostgresQuery {
        """
        INSERT INTO tasks (id, type, payload, dedupe_key, max_attempts, correlation_id, next_attempt_at)
        VALUES (\(id), \(type), \(payload), \(dedupeKey), \(maxAttempts), \(correlationID),
                now() + make_interval(secs => \(delaySeconds)))
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
        """
    }
}
