import Foundation
import Hummingbird
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/timer`: the schedules, editable, and (when allowed) the clock.
struct SchedulesController: Sendable {
    let database: Database
    let adjustableClock: Bool

    struct Schedule: Codable {
        let name: String
        let cron: String
        let timeZone: String
        let enabled: Bool
        let lastSlot: Date?
        /// The slot due after `lastSlot` (if within a day), and whether it is overdue by more than a
        /// minute: the timer is stopped or behind. Only in answers.
        var nextSlot: Date? = nil
        var late: Bool? = nil
        enum CodingKeys: String, CodingKey {
            case name, cron
            case timeZone = "time_zone"
            case enabled
            case lastSlot = "last_slot"
            case nextSlot = "next_slot"
            case late
        }
    }

    struct Change: Decodable {
        let cron: String?
        let timeZone: String?
        let enabled: Bool?
        enum CodingKeys: String, CodingKey {
            case cron
            case timeZone = "time_zone"
            case enabled
        }

        func validate() throws {
            if let cron {
                do { _ = try CronExpression(cron) } catch { throw APIError.invalid("cron", error.description) }
            }
            if let timeZone, TimeZone(identifier: timeZone) == nil {
                throw APIError.invalid("time_zone", "unknown time zone \(timeZone)")
            }
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("schedules") { _, _ in APIResponse.json(try await schedules()) }
        api.post("schedules") { request, _ in
            let new = try await APIResponse.decode(Schedule.self, from: request)
            guard new.name.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
                throw APIError.invalid("name", "name is 1–63 lower-case letters, digits and hyphens")
            }
            try Change(cron: new.cron, timeZone: new.timeZone, enabled: new.enabled).validate()
            let now = try await TimerClock(database: database).now()
            let rows = try await database.query(
                """
                INSERT INTO schedules (name, cron, time_zone, enabled, last_slot) VALUES (\(new.name), \(new.cron), \(new.timeZone),
                    \(new.enabled), \(now)) ON CONFLICT (name) DO NOTHING RETURNING name
                """)
            guard !rows.isEmpty else { throw APIError.conflict("name_taken", "a schedule named \(new.name) exists") }
            return APIResponse.json(try await schedules().first { $0.name == new.name }, status: .created)
        }
        api.patch("schedules/{name}") { request, context in
            let name = try context.parameters.require("name")
            let change = try await APIResponse.decode(Change.self, from: request)
            try change.validate()
            let rows = try await database.query(
                """
                UPDATE schedules SET cron = coalesce(\(change.cron), cron), time_zone = coalesce(\(change.timeZone), time_zone),
                    enabled = coalesce(\(change.enabled), enabled), updated_at = now()
                WHERE name = \(name) RETURNING name
                """)
            guard !rows.isEmpty else { throw APIError.notFound("schedule") }
            return APIResponse.json(try await schedules().first { $0.name == name })
        }
        api.get("clock") { _, _ in
            APIResponse.json([
                "now": ISO8601DateFormatter().string(from: try await TimerClock(database: database).now())
            ])
        }
        api.post("clock/advance") { request, _ in
            guard adjustableClock else {
                throw APIError(
                    .forbidden, code: "clock_fixed", "the clock moves only with HOSTWIRE_TIMER_ADJUSTABLE_CLOCK=1")
            }
            struct Advance: Decodable { let seconds: Double }
            let advance = try await APIResponse.decode(Advance.self, from: request)
            guard advance.seconds > 0 else { throw APIError.invalid("seconds", "time only moves forward") }
            let now = try await TimerClock(database: database).advance(by: advance.seconds)
            return APIResponse.json(["now": ISO8601DateFormatter().string(from: now)])
        }
    }

    private func schedules() async throws -> [Schedule] {
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
}
