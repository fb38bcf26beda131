import Contracts
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import Tasks
import WireCodec

/// One unit of a service's work: a Postgres transaction with the outbox and task queue it
/// writes to.
///
/// Message handlers, tasks, failure hooks and HTTP writes all get one. What is sent,
/// published or queued here exists if and only if the transaction commits; the
/// ``ServiceStore`` that opened it wakes the relay and the workers after the commit.
public struct Transaction: Sendable, QueryRunning {
    public let connection: PostgresConnection
    public let logger: Logger
    /// The message whose handler runs in this transaction; `nil` in tasks and HTTP requests.
    public let message: EnvelopeHeader?
    /// The conversation this work belongs to: every message and task written here carries it.
    public let correlationID: UUID?
    let outbox: Outbox
    let tasks: TaskQueue

    init(
        connection: PostgresConnection, logger: Logger, message: EnvelopeHeader? = nil, correlationID: UUID? = nil,
        outbox: Outbox, tasks: TaskQueue
    ) {
        self.connection = connection
        self.logger = logger
        self.message = message
        self.correlationID = message.map { $0.correlationID ?? $0.id } ?? correlationID
        self.outbox = outbox
        self.tasks = tasks
    }

    /// Sends `command` once this transaction commits.
    public func send<C: Command>(_ command: C) async throws {
        try await outbox.write(
            [.command(command, correlationID: correlationID, causationID: message?.id)],
            on: connection, logger: logger)
    }

    /// Sends `commands` once this transaction commits, in one statement.
    public func send<C: Command>(contentsOf commands: [C]) async throws {
        try await outbox.write(
            commands.map { try .command($0, correlationID: correlationID, causationID: message?.id) },
            on: connection, logger: logger)
    }

    /// Publishes `event` once this transaction commits.
    public func publish<E: Event>(_ event: E) async throws {
        try await publish(contentsOf: [event])
    }

    /// Publishes `events` in array order once this transaction commits (`version`: under an
    /// earlier version of `E`, see ``Outbox/Message/event(_:id:version:correlationID:causationID:)``).
    public func publish<E: Event>(contentsOf events: [E], version: Int? = nil) async throws {
        try await outbox.write(
            events.map { try .event($0, version: version, correlationID: correlationID, causationID: message?.id) },
            on: connection, logger: logger)
    }

    /// Writes messages made by hand (each with its own correlation) in one statement.
    public func write(_ messages: [Outbox.Message]) async throws {
        try await outbox.write(messages, on: connection, logger: logger)
    }

    /// Queues `task` to run once this transaction commits. With a `dedupeKey`, a second
    /// enqueue of the same key is ignored and returns `nil`.
    @discardableResult
    public func enqueue<T: TaskPayload>(_ task: T, dedupeKey: String? = nil, delay: Duration = .zero) async throws
        -> UUID?
    {
        try await tasks.enqueue(
            task, dedupeKey: dedupeKey, correlationID: correlationID, delay: delay,
            on: connection, logger: logger)
    }

    /// Whether a task of type `T` whose payload has `value` under `key` is still waiting or running.
    public func hasUnfinished<T: TaskPayload>(_ type: T.Type, whose key: String, is value: String) async throws -> Bool
    {
        try await tasks.hasUnfinished(type, whose: key, is: value, on: connection, logger: logger)
    }

    /// Queues many tasks of one type in one statement; keys already present are skipped.
    @discardableResult
    public func enqueue<T: TaskPayload>(contentsOf tasks: [(payload: T, dedupeKey: String)]) async throws -> Int {
        try await self.tasks.enqueue(contentsOf: tasks, on: connection, logger: logger)
    }

    /// Runs one statement in this transaction and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    /// Has the relay look at the outbox after the commit although nothing was appended here
    /// (a row made due again).
    func relayAfterCommit() { outbox.relaySignal.mark() }

    /// Has the workers claim after the commit although nothing was enqueued here (a task
    /// made due again).
    func workAfterCommit() { tasks.signal.mark() }

    /// The same transaction on behalf of another message (a batch handler's later members).
    func handling(_ message: EnvelopeHeader) -> Transaction {
        Transaction(connection: connection, logger: logger, message: message, outbox: outbox, tasks: tasks)
    }
}
