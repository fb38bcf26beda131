import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit
import ServiceLifecycle
import Synchronization
import Tasks
import TestSupport
import Testing

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

    /// The database as a service has it, with a deadline long enough for the moments when
    /// every suite creates its databases at once and one commit can wait seconds for the WAL:
    /// these tests are about the worker, not about deadlines.
    static func database(_ client: PostgresClient) -> Database {
        Database.forTests(client: client, logger: TestDatabase.logger)
    }

    /// Runs a worker whose handler fails each task's first `failures` attempts (while `healthy` is false).
    func withWorker(
        _ database: TestDatabase, health: Health? = nil,
        _ body: (PostgresClient, ServiceStore) async throws -> Void
    ) async throws {
        try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
            try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger).run(
                on: client)
            let store = ServiceStore(database: Self.database(client), outbox: Outbox(source: "tasks_test"))
            var registry = TaskRegistry()
            registry.register(Flaky.self) { payload, completion in
                if health?.fixed.load(ordering: .relaxed) == true { return }
                let attempt = completion.task.attempt
                if attempt <= payload.failures { throw TestFailure(attempt: attempt) }
            }
            let worker = TaskWorker(
                store: store, registry: registry, backoff: Backoff(base: 0.05, maximum: 0.1),
                idleInterval: .milliseconds(20), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                try await body(client, store)
            }
        }
    }

    struct TestFailure: Error { let attempt: Int }

    func enqueue<T: TaskPayload>(_ payload: T, _ store: ServiceStore) async throws -> UUID {
        try await store.transaction { try #require(try await $0.enqueue(payload)) }
    }

    func waitFor(_ status: String, _ id: UUID, _ store: ServiceStore, _ client: PostgresClient) async throws
        -> TaskStatus?
    {
        // Generous: every suite starts at once, and on two cores a worker's first rounds can wait that long.
        _ = await eventually(timeout: .seconds(90), every: .milliseconds(20)) {
            try await store.tasks.status(of: id, on: client, logger: logger)?.status == status
        }
        return try await store.tasks.status(of: id, on: client, logger: logger)
    }

    @Test func aTaskFailingTwiceThenSucceedingEndsDoneAfterThreeAttempts() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withWorker(database) { client, store in
                let id = try await enqueue(Flaky(failures: 2), store)
                let status = try await waitFor("done", id, store, client)
                #expect(status?.status == "done")
                #expect(status?.attempts == 3)
            }
        }
    }

    /// A row as the previous release wrote it (type name and JSON payload, no registry): the
    /// typed registration decodes and runs it.
    @Test func aTaskQueuedByThePreviousReleaseRuns() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withWorker(database) { client, store in
                let id = UUID()
                try await store.query(
                    """
                    INSERT INTO tasks (id, type, payload, dedupe_key, max_attempts)
                    VALUES (\(id), 'test.flaky', '{"failures":1}', \("old-\(id)"), 3)
                    """)
                let status = try await waitFor("done", id, store, client)
                #expect(status?.attempts == 2, "its payload decoded: the first attempt failed as it asked")
            }
        }
    }

    /// A row whose payload no longer decodes fails at once, with the reason, instead of retrying.
    @Test func aTaskWhosePayloadDoesNotDecodeFailsAtOnce() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withWorker(database) { client, store in
                let id = UUID()
                try await store.query(
                    """
                    INSERT INTO tasks (id, type, payload, max_attempts) VALUES (\(id), 'test.flaky', '{"failures":"many"}', 3)
                    """)
                let status = try await waitFor("failed", id, store, client)
                #expect(status?.attempts == 1)
                #expect(status?.lastError?.contains("does not decode") == true)
            }
        }
    }

    @Test func aTaskThatAlwaysFailsEndsFailedAndCanBeRetried() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let health = Health()
            try await withWorker(database, health: health) { client, store in
                let id = try await enqueue(Flaky(failures: 99), store)
                let failed = try await waitFor("failed", id, store, client)
                #expect(failed?.status == "failed")
                #expect(failed?.attempts == Flaky.maxAttempts)
                #expect(failed?.lastError?.contains("TestFailure") == true)
                // It stays failed: nobody picks it up again by themselves.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await store.tasks.status(of: id, on: client, logger: logger)?.status == "failed")

                health.fixed.store(true, ordering: .relaxed)
                #expect(try await store.transaction { try await store.tasks.retry(id, in: $0) } != nil)
                let done = try await waitFor("done", id, store, client)
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
        _ body: (PostgresClient, ServiceStore) async throws -> Void
    ) async throws {
        try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
            try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger).run(
                on: client)
            let store = ServiceStore(database: Self.database(client), outbox: Outbox(source: "tasks_test"))
            var registry = TaskRegistry()
            registry.register(Slow.self) { payload, completion in
                runs.counts.withLock { $0[completion.task.id, default: 0] += 1 }
                if payload.seconds >= 0 { return try await Task.sleep(for: .seconds(payload.seconds)) }
                while !runs.released.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let worker = TaskWorker(
                    store: store, registry: registry, concurrency: concurrency, lease: lease,
                    idleInterval: .milliseconds(50), logger: logger)
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                try await body(client, store)
            }
        }
    }

    @Test func aRunningTasksLeaseIsRenewedUntilItFinishes() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let runs = Runs()
            // Runs until released, so the test waits for what happens, never for how long it takes.
            try await withSlowWorker(database, concurrency: 1, lease: .seconds(10), runs: runs) { client, store in
                let id = try await enqueue(Slow(seconds: -1), store)
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
                let status = try await waitFor("done", id, store, client)
                #expect(status?.attempts == 1)
                #expect(runs.counts.withLock { $0[id] } == 1)
            }
        }
    }

    @Test func aBacklogLargerThanTheWorkersRoomIsWorkedThrough() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            let runs = Runs()
            try await withSlowWorker(database, concurrency: 3, lease: .seconds(30), runs: runs) { client, store in
                // One statement: twenty round trips in one transaction can outlast its deadline
                // while every suite starts at once.
                let queued = try await store.transaction { transaction in
                    try await transaction.enqueue(contentsOf: (0..<20).map { (Slow(seconds: 0.05), "slow-\($0)") })
                }
                #expect(queued == 20)
                let done = await eventually(timeout: .seconds(90), every: .milliseconds(20)) {
                    try await client.query("SELECT count(*)::int FROM tasks WHERE status = 'done'", logger: logger)
                        .collect()[0].decode(Int.self) == queued
                }
                #expect(done)
                #expect(runs.counts.withLock { $0.values.allSatisfy { $0 == 1 } && $0.count == queued })
            }
        }
    }

    @Test func aDedupeKeyEnqueuesOnce() async throws {
        try await TestDatabase.with(services: ["tasks_test"]) { database in
            try await withPostgresClient(database.settings(as: "tasks_test"), logger: logger) { client in
                try await MigrationRunner(schema: "tasks_test", migrations: MessagingSchema.migrations, logger: logger)
                    .run(on: client)
                let store = ServiceStore(database: Self.database(client), outbox: Outbox(source: "tasks_test"))
                for _ in 0..<3 {
                    try await store.transaction { try await $0.enqueue(Flaky(failures: 0), dedupeKey: "once") }
                }
                let count = try await client.query("SELECT count(*)::int FROM tasks", logger: logger).collect().first!
                    .decode(Int.self)
                #expect(count == 1)
            }
        }
    }
}
