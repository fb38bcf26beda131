import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing
import ZeroMQ

@testable import Delivery

struct RelayProbeEvent: Event {
    static let wireName = "relay-probe.happened"
    static let version = 1
    static let publisher = "relay_test"
    var number: Int
}

struct RelayProbeCommand: Command {
    static let wireName = "relay-probe.do"
    static let version = 1
    static let queue = "nowhere"
    var number: Int
}

/// The relay's rounds against real Postgres, with no broker listening (what it sends is dropped).
@Suite struct OutboxRelayTests {
    let logger = TestDatabase.logger

    func withRelays(
        _ count: Int, settings: RelaySettings = RelaySettings(),
        _ body: (Database, Outbox, [OutboxRelay]) async throws -> Void
    ) async throws {
        try await TestDatabase.with(services: ["relay_test"]) { database in
            try await withPostgresClient(database.settings(as: "relay_test"), logger: logger) { client in
                try await MigrationRunner(schema: "relay_test", migrations: MessagingSchema.migrations, logger: logger)
                    .run(on: client)
                let port = freePort()
                let endpoints = BusEndpoints(
                    publish: "tcp://127.0.0.1:\(port)", subscribe: "tcp://127.0.0.1:\(port + 1)",
                    commands: "tcp://127.0.0.1:\(port + 2)", queue: "tcp://127.0.0.1:\(port + 3)")
                let bus = try await BusConnection(
                    context: ZMQContext(), service: "relay_test", endpoints: endpoints, publishers: [])
                // A loaded CI machine can take seconds per commit while every suite starts at
                // once; the relays' rounds queue on one row lock, so each call may wait for several.
                let db = Database.forTests(client: client, logger: logger)
                let outbox = Outbox(source: "relay_test")
                let relays = (0..<count).map { _ in
                    OutboxRelay(database: db, bus: bus, outbox: outbox, settings: settings, logger: logger)
                }
                try await body(db, outbox, relays)
                await bus.close()
            }
        }
    }

    @Test func twoRelaysNumberEveryEventOnceWithoutGaps() async throws {
        var settings = RelaySettings()
        settings.batchSize = 13
        try await withRelays(2, settings: settings) { database, outbox, relays in
            let total = 300
            for start in stride(from: 0, to: total, by: 100) {
                try await database.transaction { connection in
                    try await outbox.publish(
                        contentsOf: (start..<(start + 100)).map(RelayProbeEvent.init), on: connection,
                        logger: logger)
                }
            }
            let sent = try await withThrowingTaskGroup(of: Int.self) { group in
                for relay in relays {
                    group.addTask {
                        var sent = 0
                        while true {
                            let round = try await relay.relayRound().events
                            if round == 0 { return sent }
                            sent += round
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sent == total, "each event published by one relay, once")
            let rows = try await database.query(
                """
                SELECT count(*)::int, count(DISTINCT sequence)::int, min(sequence), max(sequence),
                       bool_and((payload::json->>'number')::int + 1 = sequence)
                FROM outbox WHERE kind = 'event'
                """)
            let (count, distinct, first, last, inOrder) = try rows[0].decode((Int, Int, Int64, Int64, Bool).self)
            #expect(count == total && distinct == total && first == 1 && last == Int64(total), "1…\(total), no gap")
            #expect(inOrder, "numbered in commit order")
            let state = try await database.query("SELECT last_sequence FROM publisher_state")[0].decode(Int64.self)
            #expect(state == Int64(total))
        }
    }

    @Test func commandsOutOfAttemptsAreDeadLetteredAndTheRestSent() async throws {
        var settings = RelaySettings()
        settings.maxCommandAttempts = 3
        settings.commandBackoff = Backoff(base: 600, maximum: 600)  // not due again while the test runs, however slowly
        try await withRelays(1, settings: settings) { database, outbox, relays in
            try await database.transaction { connection in
                try await outbox.send(contentsOf: (0..<4).map(RelayProbeCommand.init), on: connection, logger: logger)
            }
            // Two of them have been sent their three times and are due again.
            try await database.query(
                """
                UPDATE outbox SET attempts = 3 WHERE (payload::json->>'number')::int < 2
                """)
            #expect(try await relays[0].relayRound().commands == 2)
            let dead = try await database.query(
                """
                SELECT count(*)::int FROM dead_letters WHERE reason = 'not acknowledged after 3 sends'
                """)[0].decode(Int.self)
            #expect(dead == 2)
            let states = try await database.query(
                """
                SELECT (payload::json->>'number')::int, attempts, dead_at IS NOT NULL FROM outbox ORDER BY 1
                """
            ).map { try $0.decode((Int, Int, Bool).self) }
            #expect(states.map(\.1) == [3, 3, 1, 1] && states.map(\.2) == [true, true, false, false])
            #expect(try await relays[0].relayRound().commands == 0, "not due again before their backoff")
        }
    }

    @Test func aRoundWithNothingToNumberTakesNoLock() async throws {
        try await withRelays(1) { database, outbox, relays in
            try await database.transaction { connection in
                try await outbox.publish(RelayProbeEvent(number: 0), on: connection, logger: logger)
            }
            #expect(try await relays[0].relayRound().events == 1)
            // A row lock leaves the locking transaction's id in xmax: unchanged means no lock and no write.
            let locker: PostgresQuery = "SELECT xmax::text FROM publisher_state"
            let before = try await database.query(locker)[0].decode(String.self)
            for _ in 0..<3 { #expect(try await relays[0].relayRound() == (0, 0)) }
            #expect(try await database.query(locker)[0].decode(String.self) == before)
        }
    }

    @Test func acknowledgedCommandsAreMarkedByTheNextRoundAndNotSentAgain() async throws {
        try await withRelays(1) { database, outbox, relays in
            try await database.transaction { connection in
                try await outbox.send(contentsOf: (0..<3).map(RelayProbeCommand.init), on: connection, logger: logger)
            }
            #expect(try await relays[0].relayRound().commands == 3)
            let ids = try await database.query("SELECT id FROM outbox ORDER BY position").map {
                try $0.decode(UUID.self)
            }
            outbox.acknowledgements.add([ids[0], ids[1]], from: RelayProbeCommand.queue)
            // Only the queue a command went to can acknowledge it.
            outbox.acknowledgements.add([ids[2]], from: "someone_else")
            try await database.query("UPDATE outbox SET next_attempt_at = now()")  // all due again
            #expect(
                try await relays[0].relayRound().commands == 1,
                "only the one not acknowledged by its queue is sent again")
            let acked = try await database.query("SELECT acked_at IS NOT NULL, attempts FROM outbox ORDER BY position")
                .map { try $0.decode((Bool, Int).self) }
            #expect(acked.map(\.0) == [true, true, false] && acked.map(\.1) == [1, 1, 2])
            #expect(outbox.acknowledgements.take().isEmpty)
        }
    }
}
