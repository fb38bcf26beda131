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

/// How often the test's handler ran each task, and whether tasks that wait for it may end.
final class Runs: Sendable {
    let counts = Mutex<[UUID: Int]>([:])
    let released = Atomic(false)
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

    /// A handler that takes `seconds` (negative: until the test releases it) and counts its runs.
    struct Slow: TaskPayload {
        static let taskType = "test.slow"
        static let maxAttempts = 3
        var seconds: Double
    }

    /// Runs a worker of `concurrency` over the `Slow` handler, with a `lease`.
    func withSlowWorker(
        _ database: TestDatabase, concurrency: Int, lease: Duration, runs: Runs,
        _ body: (PostgresClient, TaskQueue) async throws -> Void
    ) async throws {
        try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
            try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger).run(on: client)
            let queue = TaskQueue()
            let handler: TaskWorker.Handler = { task, _ in
                runs.counts.withLock { $0[task.id, default: 0] += 1 }
                let seconds = try task.decode(Slow.self).seconds
                if seconds >= 0 { return try await Task.sleep(for: .seconds(seconds)) }
                while !runs.released.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let worker = TaskWorker(database: Database(client: client, logger: logger), queue: queue,
                                        outbox: Outbox(source: "tasks_test"), handlers: [Slow.taskType: handler],
                                        concurrency: concurrency, lease: lease, idleInterval: .milliseconds(50), logger: logger)
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                try await body(client, queue)
            }
        }
    }

    @Test func aRunningTasksLeaseIsRenewedUntilItFinishes() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let runs = Runs()
            // Runs until released, so the test waits for what happens, never for how long it takes.
            try await withSlowWorker(database, concurrency: 1, lease: .seconds(3), runs: runs) { client, queue in
                let id = try await client.withTransaction(logger: logger) { connection in
                    try await queue.enqueue(Slow(seconds: -1), on: connection, logger: logger)!
                }
                let lease: PostgresQuery = "SELECT locked_until FROM tasks WHERE id = \(id) AND status = 'running'"
                var claimed: Date?
                _ = await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                    claimed = try await client.query(lease, logger: logger).collect().first?.decode(Date.self)
                    return claimed != nil
                }
                let first = try #require(claimed)
                let renewed = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                    (try await client.query(lease, logger: logger).collect().first?.decode(Date.self) ?? first) > first
                }
                #expect(renewed, "the lease moved on while the task ran")
                runs.released.store(true, ordering: .releasing)
                let status = try await waitFor("done", id, queue, client)
                #expect(status?.attempts == 1)
                #expect(runs.counts.withLock { $0[id] } == 1)
            }
        }
    }

    @Test func aBacklogLargerThanTheWorkersRoomIsWorkedThrough() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let runs = Runs()
            try await withSlowWorker(database, concurrency: 3, lease: .seconds(30), runs: runs) { client, queue in
                let ids = try await client.withTransaction(logger: logger) { connection in
                    var ids: [UUID] = []
                    for _ in 0..<20 { ids.append(try await queue.enqueue(Slow(seconds: 0.05), on: connection, logger: logger)!) }
                    return ids
                }
                queue.wake()
                let done = await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
                    try await client.query("SELECT count(*)::int FROM tasks WHERE status = 'done'", logger: logger)
                        .collect()[0].decode(Int.self) == ids.count
                }
                #expect(done)
                #expect(runs.counts.withLock { $0.values.allSatisfy { $0 == 1 } && $0.count == ids.count })
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
