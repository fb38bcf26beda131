import Contracts
import CoreMetrics
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tasks
import WireCodec
import ZeroMQ

/// Receives everything that reaches the service and hands each message to its handler
/// exactly once.
///
/// Commands are recorded in the inbox in the transaction of their effects and then
/// acknowledged to their sender (duplicates too). Events are handled in publisher order:
/// a cursor per publisher advances in the handler's transaction, and a gap (or a
/// heartbeat ahead of the cursor) asks the publisher to replay what is missing.
/// Acknowledgements and replay requests for this service's own outbox are served here.
/// Whatever cannot be read is dead-lettered and never stops the service.
public final class MessageConsumer: Service {
    let store: ServiceStore
    let bus: BusConnection
    let handlers: MessageHandlers
    let logger: Logger
    let deadLetters = DeadLetters()
    let metrics = MessagingMetrics()
    /// Attempts at an event whose handler keeps failing before it is dead-lettered.
    let maxEventAttempts = 5

    public init(
        database: Database, bus: BusConnection, outbox: Outbox, tasks: TaskQueue, handlers: MessageHandlers,
        logger: Logger
    ) {
        self.store = ServiceStore(database: database, outbox: outbox, tasks: tasks)
        self.bus = bus
        self.handlers = handlers
        self.logger = logger
    }

    /// What the consumer remembers between batches; none of it needs to survive a restart.
    struct Memory {
        var lastReplayRequest: [String: (from: Int64, at: ContinuousClock.Instant)] = [:]
        var eventFailures: [UUID: Int] = [:]
        /// The cursor seen at each publisher's previous heartbeat, to tell a stall from a backlog.
        var cursorAtLastHeartbeat: [String: Int64] = [:]
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var memory = Memory()
            for await batch in self.bus.incoming {
                await self.process(batch.map(\.frames), memory: &memory)
            }
        }
    }

    /// Sorts one batch by kind and handles each kind set-wise.
    func process(_ batch: [[[UInt8]]], memory: inout Memory) async {
        var commands: [ReceivedMessage] = []
        var events: [ReceivedMessage] = []
        var acks: [Acknowledgements.Acknowledgement] = []
        var replays: [BusControl.Replay] = []
        var heartbeats: [(String, BusControl.Heartbeat)] = []
        for frames in batch {
            do {
                let message = try ReceivedMessage(frames: frames)
                // What is published counts for its topic's publisher only: an event or heartbeat
                // under one publisher's topic naming another as source must move no cursor.
                if message.address.contains("/") && !message.address.hasPrefix(message.header.source + "/") {
                    throw UnreadableMessage(
                        reason: "\(message.header.type) from \(message.header.source) under topic \(message.address)")
                }
                switch message.header.type {
                case BusControl.Acknowledge.wireName:
                    acks += try message.payload(as: BusControl.Acknowledge.self).messageIDs.map {
                        Acknowledgements.Acknowledgement(id: $0, from: message.header.source)
                    }
                case BusControl.Replay.wireName:
                    replays.append(try message.payload(as: BusControl.Replay.self))
                case BusControl.Heartbeat.wireName:
                    heartbeats.append((message.header.source, try message.payload(as: BusControl.Heartbeat.self)))
                default:
                    if message.header.isEvent { events.append(message) } else { commands.append(message) }
                }
            } catch {
                await deadLetter(frames, reason: "\(error)", header: nil)
            }
        }
        store.outbox.acknowledgements.add(acks)
        if !commands.isEmpty { await handleCommands(commands) }
        if !events.isEmpty { await handleEvents(events, memory: &memory) }
        for replay in replays { await retrying("replay") { try await self.serve(replay) } }
        for (publisher, heartbeat) in heartbeats where handlers.publishers.contains(publisher) {
            await retrying("heartbeat") { try await self.check(heartbeat, from: publisher, memory: &memory) }
        }
    }

    // MARK: Commands

    func handleCommands(_ commands: [ReceivedMessage]) async {
        do {
            try await handleCommandBatch(commands)
        } catch  where commands.count > 1 {
            // One bad apple must not hold back the others: handle them one by one.
            for command in commands { await handleCommands([command]) }
        } catch {
            let command = commands[0]
            if let unreadable = error.unreadable {
                await deadLetter(
                    [Array(command.address.utf8), command.body], reason: unreadable.reason, header: command.header)
                acknowledge([command])
            } else {
                // Not acknowledged: the sender's relay sends it again later.
                logger.warning(
                    "command handler failed; the sender will retry",
                    metadata: [
                        "type": "\(command.header.type)", "message_id": "\(command.header.id)",
                        "error": "\(String(reflecting: error))",
                    ])
            }
        }
    }

    private func handleCommandBatch(_ commands: [ReceivedMessage]) async throws {
        let (handlers, logger) = (self.handlers, self.logger)
        let unknown = commands.filter { handlers.commands[$0.header.type] == nil }
        for command in unknown {
            await deadLetter(
                [Array(command.address.utf8), command.body], reason: "no handler for \(command.header.type)",
                header: command.header)
        }
        let known = commands.filter { handlers.commands[$0.header.type] != nil }
        try await store.transaction { transaction in
            let inserted = try await transaction.connection.run(RecordInInbox(messages: known), logger: logger)
                .map { try $0.decode(UUID.self) }
            let freshIDs = Set(inserted)
            self.metrics.commandsHandled.increment(by: Int64(freshIDs.count))
            self.metrics.duplicatesSkipped.increment(by: Int64(known.count - freshIDs.count))
            // A re-sent command can arrive in the same batch as its first send: apply it once.
            var applied = Set<UUID>()
            let fresh = known.filter { freshIDs.contains($0.header.id) && applied.insert($0.header.id).inserted }
            for (type, group) in Dictionary(grouping: fresh, by: \.header.type) {
                if let batch = handlers.commandBatches[type] {
                    try await batch(group, transaction.handling(group[0].header))
                    continue
                }
                for command in group {
                    try await handlers.commands[command.header.type]!(command, transaction.handling(command.header))
                }
            }
        }
        acknowledge(commands)
    }

    /// Tells each sender which of its commands are settled, one message per sender.
    private func acknowledge(_ commands: [ReceivedMessage]) {
        for (sender, group) in Dictionary(grouping: commands, by: \.header.source) {
            let ack = BusControl.Acknowledge(messageIDs: group.map(\.header.id))
            let header = EnvelopeHeader(
                type: BusControl.Acknowledge.wireName, version: BusControl.Acknowledge.version,
                source: bus.service)
            if let message = try? WireMessage.make(ack, to: sender, header: header) { bus.send(message) }
        }
    }

    // MARK: Events

    func handleEvents(_ events: [ReceivedMessage], memory: inout Memory) async {
        let followed = events.filter { handlers.publishers.contains($0.header.source) }
        let streams = Dictionary(grouping: followed, by: \.header.source)
            .mapValues { $0.sorted { $0.header.sequence! < $1.header.sequence! } }
        for (publisher, stream) in streams {
            do {
                let gap = try await handleEventBatch(stream, from: publisher)
                if let gap { requestReplay(from: publisher, at: gap, memory: &memory) }
            } catch {
                await handleEventsOneByOne(stream, from: publisher, memory: &memory)
            }
        }
    }

    /// Handles `stream` in one transaction; returns the first missing sequence, if any.
    private func handleEventBatch(_ stream: [ReceivedMessage], from publisher: String) async throws -> Int64? {
        let handlers = self.handlers
        return try await store.transaction { transaction -> Int64? in
            let connection = transaction.connection
            var cursor = try await self.lockCursor(publisher, on: connection)
            let start = cursor
            var gap: Int64?
            var accepted: [ReceivedMessage] = []
            for event in stream {
                let sequence = event.header.sequence!
                if sequence <= cursor { continue }
                if sequence != cursor + 1 {
                    gap = cursor + 1
                    break
                }
                accepted.append(event)
                cursor = sequence
            }
            var index = 0
            while index < accepted.count {
                let first = accepted[index]
                let handling = transaction.handling(first.header)
                if let batch = handlers.eventBatches[first.header.type] {
                    let run = accepted[index...].prefix { $0.header.type == first.header.type }
                    try await batch(Array(run), handling)
                    index += run.count
                } else {
                    try await handlers.events[first.header.type]?(first, handling)
                    index += 1
                }
            }
            self.metrics.eventsHandled.increment(by: Int64(accepted.count))
            if cursor != start { try await self.saveCursor(publisher, cursor, on: connection) }
            return gap
        }
    }

    /// After a failed batch: each event alone, dead-lettering one that keeps failing.
    private func handleEventsOneByOne(_ stream: [ReceivedMessage], from publisher: String, memory: inout Memory) async {
        for event in stream {
            do {
                if let gap = try await handleEventBatch([event], from: publisher) {
                    requestReplay(from: publisher, at: gap, memory: &memory)
                    return
                }
                memory.eventFailures[event.header.id] = nil
            } catch {
                let failures = (memory.eventFailures[event.header.id] ?? 0) + 1
                memory.eventFailures[event.header.id] = failures
                logger.warning(
                    "event handler failed",
                    metadata: [
                        "type": "\(event.header.type)", "sequence": "\(event.header.sequence!)",
                        "attempt": "\(failures)",
                        "error": "\(String(reflecting: error))",
                    ])
                if error.unreadable != nil || failures >= maxEventAttempts {
                    await skip(
                        event, from: publisher,
                        reason: error.unreadable?.reason ?? "handler failed \(failures) times: \(error)")
                    memory.eventFailures[event.header.id] = nil
                    continue
                }
                // Left for the replay that the next gap or heartbeat asks for.
                return
            }
        }
    }

    /// Dead-letters an event and moves the cursor past it, so its stream goes on.
    private func skip(_ event: ReceivedMessage, from publisher: String, reason: String) async {
        await retrying("skip event") {
            try await self.store.database.transaction { connection in
                let cursor = try await self.lockCursor(publisher, on: connection)
                guard event.header.sequence! == cursor + 1 else { return }
                try await self.deadLetters.record(
                    frames: [Array(event.address.utf8), event.body], reason: reason, messageID: event.header.id,
                    type: event.header.type, source: publisher, on: connection, logger: self.logger)
                try await self.saveCursor(publisher, cursor + 1, on: connection)
            }
        }
    }

    private func lockCursor(_ publisher: String, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.run(LockCursor(publisher: publisher), logger: logger)[0].decode(Int64.self)
    }

    private func saveCursor(_ publisher: String, _ sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.run(SaveCursor(publisher: publisher, sequence: sequence), logger: logger)
    }

    /// Asks `publisher` for its events from `sequence` on, at most once a second for the same gap.
    private func requestReplay(from publisher: String, at sequence: Int64, memory: inout Memory) {
        let now = ContinuousClock.now
        if let last = memory.lastReplayRequest[publisher], last.from == sequence, now - last.at < .seconds(1) { return }
        memory.lastReplayRequest[publisher] = (sequence, now)
        metrics.replaysRequested.increment()
        let request = BusControl.Replay(subscriber: bus.service, fromSequence: sequence, limit: 1000)
        let header = EnvelopeHeader(
            type: BusControl.Replay.wireName, version: BusControl.Replay.version, source: bus.service)
        if let message = try? WireMessage.make(request, to: publisher, header: header) {
            logger.debug("requesting replay", metadata: ["publisher": "\(publisher)", "from": "\(sequence)"])
            bus.send(message)
        }
    }

    /// A heartbeat ahead of a cursor that has not moved since the previous heartbeat means
    /// events were missed (a cursor that moves is only working through a backlog, and a
    /// replay then would just send it twice). A heartbeat whose first retained sequence is
    /// past the cursor means events are gone: the cursor jumps to what can still be replayed.
    private func check(_ heartbeat: BusControl.Heartbeat, from publisher: String, memory: inout Memory) async throws {
        let logger = self.logger
        let cursor = try await store.database.transaction { connection -> Int64 in
            var cursor = try await self.lockCursor(publisher, on: connection)
            if heartbeat.firstSequence > cursor + 1 {
                logger.error(
                    "events were pruned before this service read them; skipping",
                    metadata: [
                        "publisher": "\(publisher)", "from": "\(cursor + 1)", "to": "\(heartbeat.firstSequence - 1)",
                    ])
                cursor = heartbeat.firstSequence - 1
                try await self.saveCursor(publisher, cursor, on: connection)
            }
            return cursor
        }
        let stalled = memory.cursorAtLastHeartbeat[publisher] == cursor
        memory.cursorAtLastHeartbeat[publisher] = cursor
        if heartbeat.lastSequence > cursor && stalled {
            requestReplay(from: publisher, at: cursor + 1, memory: &memory)
        }
    }

    // MARK: Serving this service's own stream

    /// Re-sends this service's events from the requested sequence to the subscriber's queue.
    private func serve(_ replay: BusControl.Replay) async throws {
        let rows = try OutboxRow.decode(
            try await store.query(
                """
                SELECT \(unescaped: OutboxRow.columns) FROM outbox o
                WHERE o.kind = 'event' AND o.sequence >= \(replay.fromSequence)
                ORDER BY o.sequence LIMIT \(min(max(replay.limit, 1), 5000))
                """))
        for row in rows {
            bus.send(row.wireMessage(source: bus.service, address: replay.subscriber))
        }
    }

    // MARK: Failure paths

    private func deadLetter(_ frames: [[UInt8]], reason: String, header: EnvelopeHeader?) async {
        metrics.deadLettered.increment()
        await retrying("dead-letter") {
            try await self.store.database.transaction { connection in
                try await self.deadLetters.record(
                    frames: frames, reason: reason, messageID: header?.id, type: header?.type,
                    source: header?.source, on: connection, logger: self.logger)
            }
        }
    }

    /// Runs `body`, logging a failure instead of throwing: the protocol re-sends what matters.
    private func retrying(_ what: String, _ body: () async throws -> Void) async {
        do { try await body() } catch {
            logger.warning("\(what) failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}

extension Error {
    /// The ``UnreadableMessage`` inside this error, also when a transaction wrapped it.
    var unreadable: UnreadableMessage? {
        if let unreadable = self as? UnreadableMessage { return unreadable }
        if let transaction = self as? PostgresTransactionError { return transaction.closureError?.unreadable }
        return nil
    }
}

/// Records messages as handled; returns the ids not recorded before.
struct RecordInInbox: PreparedStatement {
    static let sql = Self(messages: []).query.sql
    var messages: [ReceivedMessage]

    var query: PostgresQuery {
        """
        INSERT INTO inbox (message_id, type, source)
        SELECT * FROM unnest(\(messages.map(\.header.id))::uuid[], \(messages.map(\.header.type))::text[],
                             \(messages.map(\.header.source))::text[])
        ON CONFLICT DO NOTHING RETURNING message_id
        """
    }
}

/// Locks the cursor of `publisher`'s events, made at 0 if new, and returns its last sequence.
/// (The no-op update is what locks an existing row: a concurrent batch waits, then reads
/// the sequence that batch committed.)
struct LockCursor: PreparedStatement {
    static let sql = Self(publisher: "").query.sql
    var publisher: String

    var query: PostgresQuery {
        """
        INSERT INTO event_cursors (publisher, last_sequence) VALUES (\(publisher), 0)
        ON CONFLICT (publisher) DO UPDATE SET last_sequence = event_cursors.last_sequence RETURNING last_sequence
        """
    }
}

/// Moves `publisher`'s cursor to `sequence`.
struct SaveCursor: PreparedStatement {
    static let sql = Self(publisher: "", sequence: 0).query.sql
    var publisher: String
    var sequence: Int64

    var query: PostgresQuery {
        "UPDATE event_cursors SET last_sequence = \(sequence), updated_at = now() WHERE publisher = \(publisher)"
    }
}
