import Contracts
import Logging
import PostgresNIO

/// What a message handler gets: the open transaction its effects must be written in, the
/// message's header, and an outbox whose messages carry this message as their cause.
public struct HandlerContext: Sendable {
    /// The transaction that also records the message as handled.
    public let connection: PostgresConnection
    public let header: EnvelopeHeader
    public let outbox: Outbox
    /// The service's task queue, to turn the message into retried work in this transaction.
    public let tasks: TaskQueue
    public let logger: Logger

    /// Sends a command caused by this message, in the same transaction.
    public func send<C: Command>(_ command: C) async throws {
        try await outbox.send(command, correlationID: header.correlationID ?? header.id, causationID: header.id,
                              on: connection, logger: logger)
    }

    /// Publishes an event caused by this message, in the same transaction.
    public func publish<E: Event>(_ event: E) async throws {
        try await outbox.publish(event, correlationID: header.correlationID ?? header.id, causationID: header.id,
                                 on: connection, logger: logger)
    }
}
