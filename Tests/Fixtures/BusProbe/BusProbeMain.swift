import Contracts
import Foundation
import Hummingbird
import Persistence
import PostgresNIO
import ServiceKit
import WireCodec

/// A test service pair for the delivery tests: run as `probe_a` it emits numbered commands
/// and events on `POST /emit?from=&count=` (idempotent per chunk of 500); run as `probe_b` it records each as one row
/// (and, with `PROBE_FOLLOWS_TIMER=1`, each `timer.fired` it receives).
@main
struct BusProbeMain {
    static func main() async throws {
        let name = Persistence.Environment().string("PROBE_NAME", default: "probe_a")
        var definition = ServiceDefinition(name: name)
        // Benchmarks turn the follow-up task off to measure delivery alone.
        let withTasks = Persistence.Environment().string("PROBE_TASKS", default: "1") == "1"
        if name == "probe_b" {
            // Set-wise, as a high-volume stage would: one statement for a whole batch.
            definition.handlers.handleInBatches(RecordEffect.self) { commands, transaction in
                let numbers = commands.map(\.number)
                try await transaction.query(
                    "INSERT INTO effects (kind, number) SELECT 'command', unnest(\(numbers)::int[])")
                guard withTasks else { return }
                try await transaction.enqueue(contentsOf: numbers.map { (FollowUp(number: $0), "follow-up-\($0)") })
            }
            definition.handlers.onInBatches(EffectRequested.self) { events, transaction in
                try await transaction.query(
                    "INSERT INTO effects (kind, number) SELECT 'event', unnest(\(events.map(\.number))::int[])")
            }
            // The publisher hand-over test: the timer's stream, whoever publishes it.
            if Persistence.Environment().string("PROBE_FOLLOWS_TIMER", default: "0") == "1" {
                definition.handlers.on(TimerFired.self) { fired, transaction in
                    try await transaction.query(
                        """
                        INSERT INTO slots (event_id, sequence, schedule, slot)
                        VALUES (\(transaction.message!.id), \(transaction.message!.sequence!), \(fired.schedule), \(fired.slot))
                        """)
                }
            }
            definition.tasks.register(FollowUp.self) { payload, completion in
                try await completion.finish { transaction in
                    try await transaction.query("INSERT INTO effects (kind, number) VALUES ('task', \(payload.number))")
                }
            }
        }
        definition.routes = { router, dependencies in
            router.post("emit") { request, _ -> String in
                let from = request.uri.queryParameters.get("from", as: Int.self) ?? 0
                let count = request.uri.queryParameters.get("count", as: Int.self) ?? 1
                for start in stride(from: from, to: from + count, by: 500) {
                    try await dependencies.store.transaction { transaction in
                        let fresh = try await transaction.query(
                            "INSERT INTO emitted VALUES (\(start)) ON CONFLICT DO NOTHING RETURNING first_number")
                        guard !fresh.isEmpty else { return }
                        let numbers = Array(start..<min(start + 500, from + count))
                        try await transaction.send(contentsOf: numbers.map(RecordEffect.init))
                        try await transaction.publish(contentsOf: numbers.map(EffectRequested.init))
                    }
                }
                return "ok"
            }
        }
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: name))
    }
}
