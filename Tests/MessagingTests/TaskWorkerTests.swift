import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// Whether the test's handler has been "fixed" by the operator.
final class Health: Sendable {
    let fixed = Atomic(false)
}

struct Flaky: TaskPayload {
    static let taskType = "test.flaky"
    static let maxAttempts = 3
    var failures: Int
}

/// The task queue against real Postgres: retries with backoff, final failure, operator retry.
@Suite struct TaskWorkerTests {
    let logger = TestDatabase.logger

    /// Runs a worker whose handler fails each task's first `failures` attempts (while `healthy` is false).
    func withWorker(
        _ database: TestDatabase, health: Health? = nil,
        _ body: (PostgresClient, TaskQueue) async throws -> Void
    ) async throws {
        try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
            try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger).run(on: client)
            let queue = TaskQueue()
            let worker = TaskWorker(
                database: Database(client: client, logger: logger), queue: queue, outbox: Outbox(source: "tasks_test"),
                handlers: [Flaky.taskType: { task, _ in
                    let payload = try task.decode(Flaky.self)
                    if health?.fixed.load(ordering: .relaxed) == true { return }
                    if task.attempt <= payload.failures { throw TestFailure(attempt: task.attempt) }
                }],
                backoff: Backoff(base: 0.05, maximum: 0.1), idleInterval: .milliseconds(20), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                try await body(client, queue)
            }
        }
    }

    struct TestFailure: Error { let attempt: Int }

    func enqueue(_ payload: Flaky, _ queue: TaskQueue, _ client: PostgresClient) async throws -> UUID {
        try await client.withTransaction(logger: logger) { connection in
            try await queue.enqueue(payload, on: connection, logger: logger)!
        }
    }

    func waitFor(_ status: String, _ id: UUID, _ queue: TaskQueue, _ client: PostgresClient) async throws -> TaskStatus? {
        _ = await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
            try await queue.status(of: id, on: client, logger: logger)?.status == status
        }
        return try await queue.status(of: id, on: client, logger: logger)
    }

    @Test func aTaskFailingTwiceThenSucceedingEndsDoneAfterThreeAttempts() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withWorker(database) { client, queue in
                let id = try await enqueue(Flaky(failures: 2), queue, client)
                let status = try await waitFor("done", id, queue, client)
                #expect(status?.status == "done")
                #expect(status?.attempts == 3)
            }
        }
    }

    @Test func aTaskThatAlwaysFailsEndsFailedAndCanBeRetried() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let health = Health()
            try await withWorker(database, health: health) { client, queue in
                let id = try await enqueue(Flaky(failures: 99), queue, client)
                let failed = try await waitFor("failed", id, queue, client)
                #expect(failed?.status == "failed")
                #expect(failed?.attempts == Flaky.maxAttempts)
                #expect(failed?.lastError?.contains("TestFailure") == true)
                // It stays failed: nobody picks it up again by themselves.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await queue.status(of: id, on: client, logger: logger)?.status == "failed")

                health.fixed.store(true, ordering: .relaxed)
                #expect(try await queue.retry(id, on: client, logger: logger))
                let done = try await waitFor("done", id, queue, client)
                #expect(done?.status == "done")
                #expect(done?.attempts == 1)
            }
        }
    }

    @Test func aDedupeKeyEnqueuesOnce() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
                try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger).run(on: client)
                let queue = TaskQueue()
                for _ in 0..<3 {
                    try await client.withTransaction(logger: logger) { connection in
                        _ = try await queue.enqueue(Flaky(failures: 0), dedupeKey: "once", on: connection, logger: logger)
                    }
                }
                let count = try await client.query("SELECT count(*)::int FROM tasks", logger: logger).collect().first!.decode(Int.self)
                #expect(count == 1)
            }
        }
    }
}
