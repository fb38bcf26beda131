import Contracts
import Crypto
import Delivery
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Announces every due slot of every enabled schedule once, all schedules' slots merged in
/// time order (after a downtime, day 1's billing and suspensions come before day 2's): a slot is taken by
/// moving the schedule's `last_slot` forward with a conditional update, in the same
/// transaction as its `timer.fired`, whose id is derived from schedule and slot.
final class SlotFiring: Service {
    let store: ServiceStore
    let clock: TimerClock
    /// Most slots of one schedule announced after a downtime; older ones are skipped.
    let catchUpLimit: Int
    let logger: Logger

    init(store: ServiceStore, catchUpLimit: Int) {
        self.store = store
        self.clock = TimerClock(database: store.database)
        self.catchUpLimit = catchUpLimit
        self.logger = store.logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.fireDueSlots()
                } catch {
                    self.logger.warning(
                        "firing due slots failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    func fireDueSlots() async throws {
        let now = try await clock.now()
        var due: [(slot: Date, name: String)] = []
        for (name, cron, zone, last) in try await ScheduleStore(database: store.database).enabled() {
            guard let expression = try? CronExpression(cron), let timeZone = TimeZone(identifier: zone) else {
                logger.error("schedule has an invalid cron expression or time zone", metadata: ["schedule": "\(name)"])
                continue
            }
            var slots = expression.slots(after: last, through: now, in: timeZone, limit: .max / 2)
            if slots.count > catchUpLimit {
                logger.warning(
                    "skipping missed slots beyond the catch-up limit",
                    metadata: [
                        "schedule": "\(name)", "skipped": "\(slots.count - catchUpLimit)",
                    ])
                slots = Array(slots.suffix(catchUpLimit))
            }
            due += slots.map { ($0, name) }
        }
        for (slot, name) in due.sorted(by: { ($0.slot, $0.name) < ($1.slot, $1.name) }) { try await fire(name, slot) }
    }

    private func fire(_ name: String, _ slot: Date) async throws {
        let fired = try await store.transaction { transaction -> Bool in
            guard try await ScheduleStore.take(slot, of: name, in: transaction) else { return false }
            try await transaction.write([.event(TimerFired(schedule: name, slot: slot), id: Self.eventID(name, slot))])
            return true
        }
        if fired {
            logger.info("slot fired", metadata: ["schedule": "\(name)", "slot": "\(slot)"])
        }
    }

    /// A name-based UUID (version 5 layout, SHA-256) of schedule and slot.
    static func eventID(_ name: String, _ slot: Date) -> UUID {
        var bytes = Array(SHA256.hash(data: Data("\(name)|\(Int(slot.timeIntervalSince1970))".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x50
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
