import Contracts
import Foundation
import Logging
import PostgresNIO

/// Writes messages into the service's outbox, inside the caller's transaction.
///
/// Nothing is sent here: the ``OutboxRelay`` sends what was committed, so a message
/// exists if and only if the state change that caused it does.
public struct Outbox: Sendable {
    /// The service name, the `source` of every message written.
    public let source: String
    let relaySignal: WakeSignal

    public init(source: String, relaySignal: WakeSignal = WakeSignal()) {
        self.source = source
        self.relaySignal = relaySignal
    }

    /// Queues `command` for its service's queue.
    public func send<C: Command>(
        _ command: C, id: UUID = UUID(), correlationID: UUID? = nil, causationID: UUID? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await append(kind: "command", destination: C.queue, payload: command, id: id,
                         correlationID: correlationID, causationID: causationID, on: connection, logger: logger)
    }

    /// Queues `event` for publication under its topic.
    public func publish<E: Event>(
        _ event: E, id: UUID = UUID(), correlationID: UUID? = nil, causationID: UUID? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        precondition(E.publisher == source, "\(E.wireName) is published by \(E.publisher), not \(source)")
        try await append(kind: "event", destination: E.topic, payload: event, id: id,
                         correlationID: correlationID, causationID: causationID, on: connection, logger: logger)
    }

    /// Queues many commands of one type in one statement (bulk producers, benchmarks).
    public func send<C: Command>(
        contentsOf commands: [C], correlationID: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await appendAll(kind: "command", destination: C.queue, payloads: commands, correlationID: correlationID,
                            on: connection, logger: logger)
    }

    /// Queues many events of one type in one statement, in array order.
    public func publish<E: Event>(
        contentsOf events: [E], correlationID: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws {
        precondition(E.publisher == source, "\(E.wireName) is published by \(E.publisher), not \(source)")
        try await appendAll(kind: "event", destination: E.topic, payloads: events, correlationID: correlationID,
                            on: connection, logger: logger)
    }

    /// Tells the relay that committed rows are waiting; call after the transaction commits.
    public func wakeRelay() { relaySignal.signal() }

    /// Wakes the relay only if something was appended since the last call (consumers call
    /// this after every commit).
    func wakeRelayIfAppended() { relaySignal.signalIfMarked() }

    private func appendAll<P: BusMessage>(
        kind: String, destination: String, payloads: [P], correlationID: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !payloads.isEmpty else { return }
        let ids = payloads.map { _ in UUID() }
        let json = try payloads.map { String(decoding: try WireCoding.encode($0), as: UTF8.self) }
        // WITH ORDINALITY keeps array order, so events are numbered in the order given.
        relaySignal.mark()
        try await connection.query("""
            INSERT INTO outbox (id, kind, destination, type, version, correlation_id, occurred_at, payload)
            SELECT id, \(kind), \(destination), \(P.wireName), \(P.version), \(correlationID), now(), payload
            FROM unnest(\(ids)::uuid[], \(json)::text[]) WITH ORDINALITY AS m(id, payload, n) ORDER BY n
            """, logger: logger)
    }

    private func append<P: BusMessage>(
        kind: String, destination: String, payload: P, id: UUID, correlationID: UUID?, causationID: UUID?,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let json = String(decoding: try WireCoding.encode(payload), as: UTF8.self)
        relaySignal.mark()
        try await connection.query("""
            INSERT INTO outbox (id, kind, destination, type, version, correlation_id, causation_id, occurred_at, payload)
            VALUES (\(id), \(kind), \(destination), \(P.wireName), \(P.version), \(correlationID), \(causationID), now(), \(json))
            """, logger: logger)
    }
}
