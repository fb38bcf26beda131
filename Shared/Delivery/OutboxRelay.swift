import Contracts
import CoreMetrics
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import WireCodec

/// Sends what the outbox holds: numbers and publishes events, sends commands and re-sends
/// them with backoff until acknowledged, announces heartbeats and prunes old rows.
///
/// Several instances of a service may run relays: the `publisher_state` row lock makes
/// event numbering one-at-a-time, and `SKIP LOCKED` splits the due commands between them.
public final class OutboxRelay: Service {
    let database: Database
    let bus: BusConnection
    /// The service's outbox: its source name, the relay's wake signal and the acknowledgements to mark.
    let outbox: Outbox
    let settings: RelaySettings
    let logger: Logger
    let metrics = MessagingMetrics()

    public init(database: Database, bus: BusConnection, outbox: Outbox, settings: RelaySettings, logger: Logger) {
        self.database = database
        self.bus = bus
        self.outbox = outbox
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var nextHeartbeat = clock.now
            var nextPrune = clock.now
            var nextAnalyze = clock.now
            var relayedSinceAnalyze = 0
            while !Task.isCancelled {
                var busy = false
                do {
                    let sent = try await self.relayRound()
                    busy = max(sent.events, sent.commands) == self.settings.batchSize
                    relayedSinceAnalyze += sent.events + sent.commands
                    if relayedSinceAnalyze >= Self.analyzeAfter, clock.now >= nextAnalyze {
                        try await self.database.query("ANALYZE outbox")
                        (relayedSinceAnalyze, nextAnalyze) = (0, clock.now.advanced(by: .seconds(30)))
                    }
                    if clock.now >= nextHeartbeat {
                        try await self.sendHeartbeat()
                        nextHeartbeat = clock.now.advanced(by: self.settings.heartbeatInterval)
                    }
                    if clock.now >= nextPrune {
                        try await self.prune()
                        nextPrune = clock.now.advanced(by: .seconds(60))
                    }
                } catch {
                    // Postgres restarting or unreachable: everything is still in the outbox.
                    self.logger.warning(
                        "outbox relay round failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    try await Task.sleep(for: .milliseconds(500))
                }
                if !busy { await self.outbox.relaySignal.wait(upTo: self.settings.idleInterval) }
            }
        }
    }

    /// Rows relayed after which the outbox's statistics are brought up to date (at most every
    /// 30 s). The round's prepared plan is made with the statistics of its first runs; made on
    /// an empty outbox (a new service), it joined each acknowledgement against a sequential
    /// scan of the whole table — a round of 5,000 acknowledgements on 40,000 rows took 99 s
    /// instead of 0.2 s — until autovacuum's next ANALYZE, which replans it.
    static let analyzeAfter = 1_000

    /// Numbers and publishes the next unsequenced events in commit order, marks the
    /// acknowledged commands, sends due ones and dead-letters those out of attempts — one
    /// statement, so a round is one round trip and one commit whichever kinds are waiting.
    func relayRound() async throws -> (events: Int, commands: Int) {
        let acknowledged = outbox.acknowledgements.take()
        let rows: [OutboxRow]
        do {
            rows = try OutboxRow.decode(
                try await database.run(
                    RelayRound(
                        source: outbox.source, batchSize: settings.batchSize, maxAttempts: settings.maxCommandAttempts,
                        backoff: settings.commandBackoff, acknowledgements: acknowledged)))
        } catch {
            outbox.acknowledgements.add(acknowledged)
            throw error
        }
        let events = rows.filter { $0.sequence != nil }.sorted { $0.sequence! < $1.sequence! }
        for row in events { bus.publish(row.wireMessage(source: outbox.source)) }
        let commands = rows.filter { $0.sequence == nil }
        for row in commands { bus.send(row.wireMessage(source: outbox.source)) }
        metrics.eventsPublished.increment(by: Int64(events.count))
        metrics.commandsSent.increment(by: Int64(commands.count))
        return (events.count, commands.count)
    }

    /// Announces the range of sequences this publisher can replay.
    func sendHeartbeat() async throws {
        let row = try await database.query(
            """
            SELECT (SELECT last_sequence FROM publisher_state),
                   coalesce((SELECT min(sequence) FROM outbox WHERE sequence IS NOT NULL), 0)
            """
        ).first
        guard let (last, first) = try row?.decode((Int64, Int64).self) else { return }
        let header = EnvelopeHeader(
            type: BusControl.Heartbeat.wireName, version: BusControl.Heartbeat.version, source: outbox.source)
        bus.publish(
            try WireMessage.make(
                BusControl.Heartbeat(firstSequence: first, lastSequence: last),
                to: "\(outbox.source)/\(BusControl.Heartbeat.wireName)", header: header))
    }

    /// Deletes what is past retention: sent events, settled commands, old inbox entries, finished tasks.
    func prune() async throws {
        let seconds = Double(settings.retention.components.seconds)
        try await database.query(
            """
            DELETE FROM outbox WHERE created_at < now() - make_interval(secs => \(seconds))
              AND ((kind = 'event' AND sequence IS NOT NULL) OR acked_at IS NOT NULL OR dead_at IS NOT NULL)
            """)
        try await database.query("DELETE FROM inbox WHERE handled_at < now() - make_interval(secs => \(seconds))")
        try await database.query(
            """
            DELETE FROM tasks WHERE status = 'done' AND finished_at < now() - make_interval(secs => \(seconds))
            """)
    }

}

/// One relay round: numbers up to `batchSize` unsequenced events in commit order (the
/// events come back with their sequence), marks the `acknowledged` commands so, marks up to
/// `batchSize` other due commands sent (they come back without a sequence), and
/// dead-letters commands that ran out of attempts.
///
/// Two relays' rounds queue on the `publisher_state` lock only when there are events to
/// number; every command row is taken with `SKIP LOCKED`, so a round never waits on one
/// another round holds. (An acknowledgement skipped so — its command being re-sent by the
/// other relay that moment — costs one more re-send, which the receiver acknowledges again.)
struct RelayRound: PreparedStatement {
    static let sql = Self(
        source: "", batchSize: 0, maxAttempts: 0, backoff: Backoff(base: 0, maximum: 0), acknowledgements: []
    ).query.sql
    var source: String
    var batchSize: Int
    var maxAttempts: Int
    var backoff: Backoff
    var acknowledgements: [Acknowledgements.Acknowledgement]
    var acknowledged: [UUID] { acknowledgements.map(\.id) }

    // A command is marked only when its acknowledgement came from the queue it was sent to.
    var query: PostgresQuery {
        """
        WITH acked AS (
            UPDATE outbox SET acked_at = now()
            WHERE id IN (SELECT o.id FROM outbox o
                         JOIN unnest(\(acknowledged)::uuid[], \(acknowledgements.map(\.from))::text[]) AS a(id, sender)
                           ON o.id = a.id AND o.destination = a.sender
                         WHERE o.acked_at IS NULL FOR UPDATE OF o SKIP LOCKED)
            RETURNING id),
        dead AS (
            UPDATE outbox SET dead_at = now()
            WHERE id IN (
                SELECT id FROM outbox
                WHERE kind = 'command' AND acked_at IS NULL AND dead_at IS NULL
                  AND attempts >= \(maxAttempts) AND next_attempt_at <= now() AND id NOT IN (SELECT id FROM acked)
                FOR UPDATE SKIP LOCKED)
            RETURNING id, type, destination, payload),
        buried AS (
            INSERT INTO dead_letters (reason, message_id, type, source, frames)
            SELECT 'not acknowledged after ' || \(maxAttempts) || ' sends', id, type, \(source), ARRAY[destination, payload]
            FROM dead),
        sent AS (
            UPDATE outbox o SET attempts = o.attempts + 1, sent_at = now(),
                next_attempt_at = now() + make_interval(secs =>
                    least(\(backoff.maximum), \(backoff.base) * power(2, o.attempts)) * (0.5 + random() / 2))
            WHERE o.id IN (
                SELECT id FROM outbox
                WHERE kind = 'command' AND acked_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
                  AND attempts < \(maxAttempts) AND id NOT IN (SELECT id FROM acked)
                ORDER BY next_attempt_at LIMIT \(batchSize) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: OutboxRow.columns))
        SELECT \(unescaped: OutboxRow.columns) FROM number_events(\(batchSize)::integer) o
        UNION ALL
        SELECT * FROM sent
        """
    }
}
