import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import TimerService

/// docs/messaging.md, "Handing a publisher's stream over": a timer written in Python from the
/// docs alone (Tests/Fixtures/PythonTimer) takes over the Swift timer's stream and hands it
/// back. The subscriber sees one gapless stream with the documented ids, catches up by replay
/// from the stand-in while it publishes, and receives nothing twice.
@Suite(.serialized) struct PublisherHandOverTests {
    @Test func aTimerInPythonTakesOverTheTimersStreamAndHandsItBack() async throws {
        try await TestDatabase.with(services: ["timer", "probe_b"]) { database in
            let bus = TestBroker(queues: ["timer", "probe_b"], tag: "handover")
            let timer = ServiceProcess(
                executable: "hostwire-timer",
                environment: bus.environment(for: "timer", database: database).merging([
                    "HOSTWIRE_API_TOKENS": "admin:\(Sandbox.adminToken)", "HOSTWIRE_TIMER_ADJUSTABLE_CLOCK": "1",
                ]) { $1 }, httpPort: freePort(), logName: "handover-timer")
            let subscriber = ServiceProcess(
                executable: "hostwire-bus-probe",
                environment: bus.environment(for: "probe_b", database: database).merging([
                    "PROBE_NAME": "probe_b", "PROBE_FOLLOWS_TIMER": "1",
                    "HOSTWIRE_MIGRATIONS": "Tests/Fixtures/BusProbe/migrations/probe_b",
                ]) { $1 }, httpPort: freePort(), logName: "handover-probe_b")
            let standIn = ServiceProcess(
                executable: Paths.root.appendingPathComponent("Tests/Fixtures/PythonTimer/timer.py").path,
                environment: bus.environment(for: "timer", database: database), httpPort: freePort(),
                logName: "handover-python")
            defer {
                standIn.stop()
                subscriber.stop()
                timer.stop()
                bus.process.stop()
            }
            func sql(_ query: PostgresQuery) async throws {
                _ = try await database.withAdmin { try await $0.query(query, logger: TestDatabase.logger) }
            }
            func cursor() async throws -> Int {
                try await database.count(
                    "SELECT coalesce(max(last_sequence), 0)::int FROM probe_b.event_cursors WHERE publisher = 'timer'")
            }
            func received() async throws -> Int { try await database.count("SELECT count(*)::int FROM probe_b.slots") }
            let day = 86_400

            try await bus.process.start()
            try await timer.start()
            try await subscriber.start()
            try await sql("UPDATE timer.schedules SET enabled = (name = 'recurring-billing')")
            let clock = JSONClient(port: timer.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"])
            #expect(try await clock.call("POST", "/api/timer/clock/advance", json: ["seconds": day]).status == 200)
            #expect(await eventually(timeout: .seconds(30)) { try await received() == 1 })

            // Take over: the Swift timer stops; its last sequence is where the stand-in goes on.
            timer.stop()
            #expect(
                try await database.count(
                    "SELECT count(*)::int FROM timer.outbox WHERE kind = 'event' AND sequence IS NULL") == 0,
                "everything the timer committed was numbered before it stopped")
            let handedOver = try await database.count("SELECT last_sequence::int FROM timer.publisher_state")
            #expect(try await cursor() == handedOver, "the subscriber has read all of it")
            let lastSlot = try await database.withAdmin { client in
                try await client.query(
                    "SELECT last_slot FROM timer.schedules WHERE name = 'recurring-billing'",
                    logger: TestDatabase.logger
                ).collect().first!.decode(Date.self)
            }
            try await standIn.start(changing: ["HOSTWIRE_HANDOVER_SEQUENCE": "\(handedOver)"])
            let python = JSONClient(port: standIn.httpPort)
            let text = ISO8601DateFormatter()
            func fire(_ days: Int) async throws -> [String: Any] {
                let slot = lastSlot.addingTimeInterval(Double(days * day))
                let reply = try await python.call(
                    "POST", "/fire", json: ["schedule": "recurring-billing", "slot": text.string(from: slot)])
                #expect(reply.status == 200)
                #expect(
                    reply.json["id"] as? String == SlotFiring.eventID("recurring-billing", slot).uuidString,
                    "the documented id recipe gives the Swift timer's id")
                return reply.json
            }
            #expect(try await fire(1)["sequence"] as? Int == handedOver + 1)
            #expect(await eventually(timeout: .seconds(30)) { try await received() == 2 }, "received live")
            subscriber.kill()
            _ = try await fire(2)
            _ = try await fire(3)
            try await Task.sleep(for: .seconds(1))
            try await subscriber.start()
            #expect(
                await eventually(timeout: .seconds(60)) { try await received() == 4 },
                "events published while the subscriber was down come by replay from the stand-in")

            // Hand back: the Swift timer goes on from the stand-in's last sequence and slot.
            let last = try #require(try await python.call("GET", "/state").json["last_sequence"] as? Int)
            #expect(last == handedOver + 3)
            #expect(await eventually(timeout: .seconds(10)) { try await cursor() == last })
            standIn.stop()
            try await sql("UPDATE timer.publisher_state SET last_sequence = \(last)")
            try await sql(
                """
                UPDATE timer.schedules SET last_slot = \(lastSlot.addingTimeInterval(Double(3 * day)))
                WHERE name = 'recurring-billing'
                """)
            try await timer.start()
            #expect(try await clock.call("POST", "/api/timer/clock/advance", json: ["seconds": 4 * day]).status == 200)
            #expect(await eventually(timeout: .seconds(30)) { try await received() == 5 })
            try await Task.sleep(for: .seconds(2))

            let rows = try await database.withAdmin { client in
                try await client.query(
                    "SELECT event_id, sequence::int, slot FROM probe_b.slots ORDER BY sequence",
                    logger: TestDatabase.logger
                ).collect().map { try $0.decode((UUID, Int, Date).self) }
            }
            #expect(rows.map(\.1) == Array(handedOver...(last + 1)), "one gapless stream, each event once")
            #expect(
                rows.map(\.2) == (0...4).map { lastSlot.addingTimeInterval(Double($0 * day)) }, "each day's slot once")
            for (id, _, slot) in rows { #expect(id == SlotFiring.eventID("recurring-billing", slot)) }
            #expect(try await database.count("SELECT count(*)::int FROM probe_b.dead_letters") == 0)
        }
    }
}
