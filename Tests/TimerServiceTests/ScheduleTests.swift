import Foundation
import Testing

@testable import TimerService

/// Cron slots in their time zone, and the ids that make a slot one message from any timer.
@Suite struct ScheduleTests {
    let utc = TimeZone(identifier: "UTC")!
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func cronSlotsFollowTheExpressionAndTheTimeZone() throws {
        let daily = try CronExpression("0 2 * * *")
        #expect(
            daily.slots(after: date("2026-11-22T02:00:00Z"), through: date("2026-11-25T02:00:00Z"), in: utc, limit: 10)
                == [date("2026-11-23T02:00:00Z"), date("2026-11-24T02:00:00Z"), date("2026-11-25T02:00:00Z")])
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(
            daily.slots(
                after: date("2026-11-22T00:00:00Z"), through: date("2026-11-23T00:00:00Z"), in: berlin, limit: 10)
                == [date("2026-11-22T01:00:00Z")], "02:00 in Berlin is 01:00 UTC in winter")
        let office = try CronExpression("*/30 9-10 * * 1-5")
        let slots = office.slots(
            after: date("2026-11-20T00:00:00Z"), through: date("2026-11-24T00:00:00Z"), in: utc, limit: 100)
        #expect(slots.count == 8, "Friday and Monday, 9:00 9:30 10:00 10:30")
        #expect(
            try CronExpression("0 0 1 * 0").slots(
                after: date("2026-11-30T23:59:00Z"), through: date("2026-12-31T23:59:00Z"),
                in: utc, limit: 100
            ).count == 5, "either day field: 1 December and its 4 Sundays")
        for bad in [
            "", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *", "a * * * *",
            "5-1 * * * *",
        ] {
            #expect(throws: CronError.self, "\(bad)") { try CronExpression(bad) }
        }
    }

    @Test func eventIDsDependOnScheduleAndSlotOnly() {
        let slot = date("2026-11-23T02:00:00Z")
        #expect(SlotFiring.eventID("recurring-billing", slot) == SlotFiring.eventID("recurring-billing", slot))
        #expect(SlotFiring.eventID("recurring-billing", slot) != SlotFiring.eventID("backup-cleanup", slot))
        #expect(SlotFiring.eventID("recurring-billing", slot) != SlotFiring.eventID("recurring-billing", slot + 86_400))
    }
}
