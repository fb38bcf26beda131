import Foundation
import PostgresNIO
import TestSupport
import Testing
import ZeroMQ

/// The delivery guarantees, proved with real processes, a real broker and real Postgres.
@Suite(.serialized) struct DeliveryTests {
    /// Counts of the receiver's effects of one kind: all rows, and distinct numbers.
    func effects(_ kind: String, in database: TestDatabase) async throws -> (rows: Int, distinct: Int) {
        try await database.withAdmin { client in
            try await client.query(
                "SELECT count(*)::int, count(DISTINCT number)::int FROM probe_b.effects WHERE kind = \(kind)",
                logger: TestDatabase.logger
            ).collect().first!.decode((Int, Int).self)
        }
    }

    func expectExactlyOnce(_ expected: Int, in database: TestDatabase, timeout: Duration = .seconds(240)) async throws {
        let settled = await eventually(timeout: timeout) {
            for kind in ["command", "event", "task"] where try await effects(kind, in: database).distinct < expected {
                return false
            }
            return true
        }
        for kind in ["command", "event", "task"] {
            let counts = try await effects(kind, in: database)
            #expect(counts.rows == expected, "\(kind): \(counts.rows) rows for \(expected) messages")
            #expect(counts.distinct == expected, "\(kind): \(counts.distinct) distinct of \(expected)")
        }
        #expect(settled)
        let unacknowledged = await eventually(timeout: .seconds(60)) {
            try await database.count(
                "SELECT count(*)::int FROM probe_a.outbox WHERE kind = 'command' AND acked_at IS NULL") == 0
        }
        #expect(unacknowledged, "every command is acknowledged in the end")
        #expect(try await database.count("SELECT count(*)::int FROM probe_b.dead_letters") == 0)
        #expect(try await database.count("SELECT count(*)::int FROM probe_b.tasks WHERE status <> 'done'") == 0)
    }

    @Test("10,000 commands and 10,000 events survive kill -9 of the broker and the consumer and a Postgres restart")
    func exactlyOnceUnderFaults() async throws {
        try await withLoadSlot {
            try await PrivateCluster.with { cluster in
                try await TestDatabase.with(services: ["probe_a", "probe_b"], adminURL: cluster.adminURL) { database in
                    let bus = BusHarness(database: database, tag: "faults")
                    defer { bus.stopAll() }
                    try await bus.startAll()
                    let chunk = 500
                    let total = 10_000
                    for first in stride(from: 0, to: total, by: chunk) {
                        // An emit cut off by a fault is retried; the sender ignores a chunk it already wrote.
                        let emitted = await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
                            try await bus.emit(from: first, count: chunk)
                            return true
                        }
                        #expect(emitted)
                        switch first {
                        case 2_000:
                            bus.broker.kill()
                            try await Task.sleep(for: .milliseconds(500))
                            try await bus.broker.start()
                        case 5_000:
                            bus.receiver.kill()
                            try await bus.receiver.start()
                        case 7_500:
                            try cluster.restart()
                        default: break
                        }
                    }
                    try await expectExactlyOnce(total, in: database)
                }
            }
        }
    }

    /// Adding a service is a topology line: the probes are named nowhere in shared code, yet
    /// the broker binds probe_b's queue, admits probe_a's commands to it and replays to it.
    @Test(
        "a subscriber that was down while 1,000 events were published catches up",
        arguments: [false, true])
    func subscriberCatchesUp(fromATopologyLine usingTopology: Bool) async throws {
        try await TestDatabase.with(services: ["probe_a", "probe_b"]) { database in
            let bus = BusHarness(
                database: database, tag: usingTopology ? "topology" : "catch-up", usingTopology: usingTopology)
            defer { bus.stopAll() }
            try await bus.startAll()
            try await bus.emit(from: 0, count: 10)
            try await expectExactlyOnce(10, in: database, timeout: .seconds(60))
            bus.receiver.kill()
            try await bus.emit(from: 10, count: 1_000)
            // The events are long gone from ZeroMQ by now: only replay can bring them.
            try await Task.sleep(for: .seconds(2))
            try await bus.receiver.start()
            try await expectExactlyOnce(1_010, in: database, timeout: .seconds(120))
        }
    }

    @Test("garbage sent to the broker and to a service is dropped or dead-lettered, and nothing crashes")
    func garbageIsContained() async throws {
        try await TestDatabase.with(services: ["probe_a", "probe_b"]) { database in
            let bus = BusHarness(database: database, tag: "garbage")
            defer { bus.stopAll() }
            try await bus.startAll()
            let context = ZMQContext()
            // Sent with probe_a's identity: what the broker lets an authenticated sender through.
            let loop = try await MessageLoop(
                context: context, name: "garbage",
                sockets: [
                    SocketSpec(
                        .push, [.connect("tcp://127.0.0.1:\(bus.bus.commandsIn)")],
                        options: bus.bus.clientOptions(as: "probe_a")),
                    SocketSpec(
                        .pub, [.connect("tcp://127.0.0.1:\(bus.bus.eventsIn)")],
                        options: bus.bus.clientOptions(as: "probe_a")),
                ])
            try await Task.sleep(for: .milliseconds(500))  // let the PUB connect before publishing
            let random = (0..<64).map { _ in UInt8.random(in: 0...255) }
            let unknownType =
                #"{"id":"3f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60","type":"probe.nonsense","version":1,"source":"probe_a","occurred_at":"2026-01-01T00:00:00.000Z","payload":{}}"#
            let badPayload =
                #"{"id":"4f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60","type":"probe.record-effect","version":1,"source":"probe_a","occurred_at":"2026-01-01T00:00:00.000Z","payload":{"number":"x"}}"#
            let garbage: [(socket: Int, frames: [[UInt8]])] = [
                (0, [random]),  // one frame
                (0, [Array("probe_b".utf8), random, random]),  // three frames
                (0, [Array("no-such-queue".utf8), Array("{}".utf8)]),  // unknown queue
                (0, [Array("probe_b".utf8), random]),  // not JSON
                (0, [Array("probe_b".utf8), Array(#"{"type":1}"#.utf8)]),  // not an envelope
                (0, [Array("probe_b".utf8), Array(unknownType.utf8)]),  // no handler
                (0, [Array("probe_b".utf8), Array(badPayload.utf8)]),  // payload does not decode
                (1, [random]),  // event with one frame
                (1, [Array("probe_a/probe.effect-requested".utf8), random]),  // event that is not JSON
            ]
            for (socket, frames) in garbage { loop.send(frames, on: socket) }
            #expect(
                await eventually(timeout: .seconds(30)) {
                    try await database.count("SELECT count(*)::int FROM probe_b.dead_letters") >= 5
                })
            // A command and its re-sends arriving together, in one batch: one effect.
            let resent =
                #"{"id":"5f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60","type":"probe.record-effect","version":1,"source":"probe_a","occurred_at":"2026-01-01T00:00:00.000Z","payload":{"number":424242}}"#
            for _ in 0..<3 { loop.send([Array("probe_b".utf8), Array(resent.utf8)], on: 0) }
            let once: PostgresQuery =
                "SELECT count(*)::int FROM probe_b.effects WHERE kind = 'command' AND number = 424242"
            #expect(await eventually(timeout: .seconds(30)) { try await database.count(once) >= 1 })
            await loop.stop()
            #expect(try await database.count(once) == 1)
            #expect(bus.broker.isRunning && bus.receiver.isRunning && bus.sender.isRunning)
            let reasons = try await database.withAdmin { client in
                try await client.query("SELECT reason FROM probe_b.dead_letters", logger: TestDatabase.logger)
                    .collect().map { try $0.decode(String.self) }
            }
            #expect(reasons.contains { $0.contains("no handler for probe.nonsense") })
            #expect(reasons.contains { $0.contains("payload of probe.record-effect does not decode") })
            #expect(
                reasons.contains { $0.contains("expected 2 frames") } == false,
                "the broker drops wrong frame counts itself")
            #expect(reasons.filter { $0.contains("envelope does not decode") }.count == 3, "two commands and one event")
            // And real traffic still flows.
            try await bus.emit(from: 0, count: 20)
            try await expectEffects(commands: 21, events: 20, in: database)  // 20 and the re-sent one
        }
    }

    func expectEffects(commands: Int, events: Int, in database: TestDatabase) async throws {
        let delivered = await eventually(timeout: .seconds(60)) {
            let (commandRows, eventRows) = (
                try await effects("command", in: database).rows, try await effects("event", in: database).rows
            )
            return commandRows == commands && eventRows == events
        }
        #expect(delivered)
    }
}
