import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// The `schedules` table: what operators read and edit, and what firing reads and claims.
struct ScheduleStore: Sendable {
    let database: Database

    /// Every schedule by name, with its next slot and whether it is late by the timer's clock.
    func all() async throws -> [Schedule] {
        let now = try await TimerClock(database: database).now()
        return try await database.query("SELECT name, cron, time_zone, enabled, last_slot FROM schedules ORDER BY name")
            .map { row in
                let (name, cron, zone, enabled, last) = try row.decode((String, String, String, Bool, Date).self)
                var schedule = Schedule(name: name, cron: cron, timeZone: zone, enabled: enabled, lastSlot: last)
                if let expression = try? CronExpression(cron), let timeZone = TimeZone(identifier: zone) {
                    // The scan goes minute by minute: up to now (a few minutes normally), then one day ahead at most.
                    let due = expression.slots(after: last, through: now, in: timeZone, limit: 1).first
                    schedule.nextSlot =
                        due
                        ?? expression.slots(
                            after: max(last, now), through: now.addingTimeInterval(86_400), in: timeZone, limit: 1
                        ).first
                    schedule.late = enabled && (due.map { now.timeIntervalSince($0) > 60 } ?? false)
                }
                return schedule
            }
    }

    /// Adds `new`, due from now on (no slot before it is announced); `false` when the name is taken.
    func create(_ new: Schedule) async throws -> Bool {
        let now = try await TimerClock(database: database).now()
        return try await !database.query(
            """
            INSERT INTO schedules (name, cron, time_zone, enabled, last_slot) VALUES (\(new.name), \(new.cron), \(new.timeZone),
                \(new.enabled), \(now)) ON CONFLICT (name) DO NOTHING RETURNING name
            """
        ).isEmpty
    }

    /// Changes what is given of schedule `name`; `false` when there is no such schedule.
    func update(_ name: String, cron: String?, timeZone: String?, enabled: Bool?) async throws -> Bool {
        try await !database.query(
            """
            UPDATE schedules SET cron = coalesce(\(cron), cron), time_zone = coalesce(\(timeZone), time_zone),
                enabled = coalesce(\(enabled), enabled), updated_at = now()
            WHERE name = \(name) RETURNING name
            """
        ).isEmpty
    }

    /// The enabled schedules by name, with the last slot each announced.
    func enabled() async throws -> [(name: String, cron: String, timeZone: String, lastSlot: Date)] {
        try await database.query("SELECT name, cron, time_zone, last_slot FROM schedules WHERE enabled ORDER BY name")
            .map { try $0.decode((String, String, String, Date).self) }
    }

    /// Claims `slot` of schedule `name` for announcing, in the transaction that writes its
    /// event; `false` when it was announced already (slots only move forward).
    static func take(_ slot: Date, of name: String, in transaction: Transaction) async throws -> Bool {
        try await !transaction.query(
            """
            UPDATE schedules SET last_slot = \(slot), updated_at = now() WHERE name = \(name) AND last_slot < \(slot) RETURNING name
            """
        ).isEmpty
    }
}
