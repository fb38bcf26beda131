import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization
import WireCodec

/// Writes messages into the service's outbox, inside the caller's transaction.
///
/// Nothing is sent here: the ``OutboxRelay`` sends what was committed, so a message
/// exists if and only if the state change that caused it does.
public struct Outbox: Sendable {
    /// The service name, the `source` of every message written.
    public let source: String
    package let relaySignal: WakeSignal
    /// Sent commands their receivers acknowledged, marked so by the relay's next round.
    package let acknowledgements = Acknowledgements()

    public init(source: String, relaySignal: WakeSignal = WakeSignal()) {
        self.source = source
        self.relaySignal = relaySignal
    }

    /// One message to write: a command for its service's queue or an event for its topic.
    public struct Message: Sendable {
        let id: UUID
        let kind: String
        let destination: String
        let type: String
        let version: Int
        let publisher: String?
        let correlationID: UUID?
        let causationID: UUID?
        let payload: String

        public static func command<C: Command>(
            _ command: C, id: UUID = UUID(), correlationID: UUID? = nil,
            causationID: UUID? = nil
        ) throws -> Message {
            Message(
                id: id, kind: "command", destination: C.queue, type: C.wireName, version: C.version, publisher: nil,
                correlationID: correlationID, causationID: causationID, payload: try WireCoding.encodeText(command))
        }

        /// `version`: an earlier version of `E` whose consumers read this payload too (during
        /// a change of version, while consumers of the old one still run); `E.version` by default.
        public static func event<E: Event>(
            _ event: E, id: UUID = UUID(), version: Int? = nil, correlationID: UUID? = nil,
            causationID: UUID? = nil
        ) throws -> Message {
            Message(
                id: id, kind: "event", destination: E.topic, type: E.wireName,
                version: version.map { min(max($0, 1), E.version) } ?? E.version,
                publisher: E.publisher,
                correlationID: correlationID, causationID: causationID, payload: try WireCoding.encodeText(event))
        }
    }

    /// Queues `command` for its service's queue.
    public func send<C: Command>(
        _ command: C, id: UUID = UUID(), correlationID: UUID? = nil, causationID: UUID? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await write(
            [.command(command, id: id, correlationID: correlationID, causationID: causationID)], on: connection,
            logger: logger)
    }

    /// Queues `event` for publication under its topic.
    public func publish<E: Event>(
        _ event: E, id: UUID = UUID(), correlationID: UUID? = nil, causationID: UUID? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await write(
            [.event(event, id: id, correlationID: correlationID, causationID: causationID)], on: connection,
            logger: logger)
    }

    /// Queues many commands of one type (bulk producers, benchmarks).
    public func send<C: Command>(
        contentsOf commands: [C], correlationID: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await write(commands.map { try .command($0, correlationID: correlationID) }, on: connection, logger: logger)
    }

    /// Queues many events of one type, in array order.
    public func publish<E: Event>(
        contentsOf events: [E], correlationID: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await write(events.map { try .event($0, correlationID: correlationID) }, on: connection, logger: logger)
    }

    /// Queues `messages` in one statement; events are numbered in array order.
    public func write(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        for message in messages {
            precondition(
                message.publisher.map { $0 == source } ?? true,
                "\(message.type) is published by \(message.publisher ?? ""), not \(source)")
        }
        relaySignal.mark()
        try await connection.run(AppendToOutbox(messages: messages), logger: logger)
    }

    /// Wakes the relay only if something was appended since the last call (consumers call
    /// this after every commit).
    package func wakeRelayIfAppended() { relaySignal.signalIfMarked() }
}

/// Acknowledged command ids waiting to be marked in the outbox, each with who acknowledged it.
///
/// They are marked by the relay's next round (within its idle interval) instead of by a
/// statement each: one lost in a crash only makes the relay send its command again, and
/// the receiver's inbox takes the duplicate as one. Only the queue a command went to can
/// acknowledge it: an acknowledgement from anyone else marks nothing.
package final class Acknowledgements: Sendable {
    package struct Acknowledgement: Sendable, Equatable {
        package let id: UUID
        /// The service that acknowledged it (the envelope's authenticated `source`).
        package let from: String

        package init(id: UUID, from: String) {
            self.id = id
            self.from = from
        }
    }
    private let ids = Mutex<[Acknowledgement]>([])

    package func add(_ more: [Acknowledgement]) {
        guard !more.isEmpty else { return }
        ids.withLock { $0 += more }
    }

    package func add(_ ids: [UUID], from source: String) {
        add(ids.map { Acknowledgement(id: $0, from: source) })
    }

    /// Everything waiting, which the caller now owns (and gives back with ``add(_:)`` if it
    /// could not mark them).
    package func take() -> [Acknowledgement] {
        ids.withLock { ids in
            defer { ids = [] }
            return ids
        }
    }
}

/// Inserts messages into the outbox; events are numbered later, in the order given here.
struct AppendToOutbox: PreparedStatement {
    static let sql = Self(messages: []).query.sql
    var messages: [Outbox.Message]

    // WITH ORDINALITY keeps array order. The optional ids go as text ('' for none): arrays of
    // optionals have no binary encoding.
    var query: PostgresQuery {
        let correlations = messages.map { $0.correlationID?.uuidString ?? "" }
        let causations = messages.map { $0.causationID?.uuidString ?? "" }
        return """
            INSERT INTO outbox (id, kind, destination, type, version, correlation_id, causation_id, occurred_at, payload)
            SELECT id, kind, destination, type, version, nullif(correlation_id, '')::uuid, nullif(causation_id, '')::uuid, now(), payload
            FROM unnest(\(messages.map(\.id))::uuid[], \(messages.map(\.kind))::text[], \(messages.map(\.destination))::text[],
                        \(messages.map(\.type))::text[], \(messages.map(\.version))::int[], \(correlations)::text[],
                        \(causations)::text[], \(messages.map(\.payload))::text[])
                WITH ORDINALITY AS m(id, kind, destination, type, version, correlation_id, causation_id, payload, n)
            ORDER BY n
            """
    }
}
