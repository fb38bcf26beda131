import Foundation
import HTTPSupport
import Hummingbird
import Persistence

/// `/api/timer`: the schedules, editable, and (when allowed) the clock.
struct SchedulesController: Sendable {
    let database: Database
    let adjustableClock: Bool

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
        let schedules = ScheduleStore(database: database)
        api.get("schedules") { _, _ in APIResponse.json(try await schedules.all()) }
        api.post("schedules") { request, _ in
            let new = try await APIResponse.decode(Schedule.self, from: request)
            guard new.name.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
                throw APIError.invalid("name", "name is 1–63 lower-case letters, digits and hyphens")
            }
            try Change(cron: new.cron, timeZone: new.timeZone, enabled: new.enabled).validate()
            guard try await schedules.create(new) else {
                throw APIError.conflict("name_taken", "a schedule named \(new.name) exists")
            }
            return APIResponse.json(try await schedules.all().first { $0.name == new.name }, status: .created)
        }
        api.patch("schedules/{name}") { request, context in
            let name = try context.parameters.require("name")
            let change = try await APIResponse.decode(Change.self, from: request)
            try change.validate()
            guard
                try await schedules.update(name, cron: change.cron, timeZone: change.timeZone, enabled: change.enabled)
            else { throw APIError.notFound("schedule") }
            return APIResponse.json(try await schedules.all().first { $0.name == name })
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
}
