import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import TestSupport
import Testing

@testable import TimerService

/// Schedules: cron slots in their time zone, each announced once, missed ones caught up.
@Suite(.serialized) struct TimerTests {
    @Test(
        "two timers running: a day's six slots fire once each; after three days down, the missed slots follow in order"
    )
    func slotsFireOnceAndCatchUp() async throws {
        try await TestDatabase.with(services: ["timer"]) { database in
            let bus = TestBroker(queues: ["timer"], tag: "timer")
            func timer(_ tag: String) -> ServiceProcess {
                ServiceProcess(
                    executable: "hostwire-timer",
                    environment: bus.environment(for: "timer", database: database).merging([
                        "HOSTWIRE_API_TOKENS": "admin:\(Sandbox.adminToken)", "HOSTWIRE_TIMER_ADJUSTABLE_CLOCK": "1",
                    ]) { $1 }, httpPort: freePort(), logName: "timer-\(tag)")
            }
            let (first, second) = (timer("a"), timer("b"))
            defer {
                first.stop()
                second.stop()
                bus.process.stop()
            }
            try await bus.process.start()
            try await first.start()
            try await second.start()
            // The six daily schedules only: checkout's hourly order expiry is switched off here, and
            // not counted (an hour may turn between the timer's start and switching it off).
            _ = try await database.withAdmin { client in
                try await client.query(
                    "UPDATE timer.schedules SET enabled = false WHERE name = 'order-expiry'",
                    logger: TestDatabase.logger)
            }
            let fired = {
                try await database.count(
                    """
                    SELECT count(*)::int FROM timer.outbox WHERE type = 'timer.fired' AND payload::jsonb ->> 'schedule' <> 'order-expiry'
                    """)
            }
            #expect(try await fired() == 0)
            let api = JSONClient(port: first.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"])
            #expect(try await api.call("POST", "/api/timer/clock/advance", json: ["seconds": 86_400]).status == 200)
            #expect(await eventually(timeout: .seconds(20)) { try await fired() == 6 })
            try await Task.sleep(for: .seconds(2))
            #expect(try await fired() == 6, "each slot once, though two timers run")

            first.stop()
            second.stop()
            _ = try await database.withAdmin { client in
                try await client.query(
                    "UPDATE timer.clock SET offset_seconds = offset_seconds + 3 * 86400", logger: TestDatabase.logger)
            }
            try await first.start()
            #expect(await eventually(timeout: .seconds(20)) { try await fired() == 24 })
            let order = try await database.withAdmin { client in
                try await client.query(
                    """
                    SELECT payload::jsonb ->> 'schedule', (payload::jsonb ->> 'slot') FROM timer.outbox
                    WHERE type = 'timer.fired' ORDER BY sequence
                    """, logger: TestDatabase.logger
                ).collect().map { try $0.decode((String, String).self) }
            }
            let billing = order.filter { $0.0 == "recurring-billing" }.map(\.1)
            #expect(billing.count == 4 && billing == billing.sorted(), "missed slots in order: \(billing)")
            #expect(
                try await api.call("PATCH", "/api/timer/schedules/backup-cleanup", json: ["cron": "61 * * * *"]).status
                    == 422)
            #expect(
                try await api.call("PATCH", "/api/timer/schedules/backup-cleanup", json: ["enabled": false]).status
                    == 200)
        }
    }

    /// What the console's late-timer alarm reads: a slot passed over a minute ago and not fired.
    @Test func aSlotPassedAndNotFiredIsReportedLate() async throws {
        try await TestDatabase.with(services: ["timer"]) { database in
            try await withRouter(
                buildTimer(TimerSettings(apiTokens: APITokens([(.admin, Sandbox.adminToken)]))), database: database
            ) { client in
                func schedules() async throws -> [[String: Any]] {
                    try await client.execute(
                        uri: "/api/timer/schedules", method: .get,
                        headers: [.authorization: "Bearer \(Sandbox.adminToken)"]
                    ) { response in
                        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
                            as? [[String: Any]] ?? []
                    }
                }
                let now = try await schedules()
                #expect(
                    !now.isEmpty && now.allSatisfy { $0["late"] as? Bool == false && $0["next_slot"] is String },
                    "\(now)")
                // Nothing runs the timer's loop here: two days on, every enabled schedule is behind.
                _ = try await database.withAdmin { client in
                    try await client.query(
                        "UPDATE timer.clock SET offset_seconds = offset_seconds + 2 * 86400",
                        logger: TestDatabase.logger)
                }
                let later = try await schedules()
                #expect(later.allSatisfy { $0["late"] as? Bool == ($0["enabled"] as? Bool) }, "\(later)")
            }
        }
    }
}
