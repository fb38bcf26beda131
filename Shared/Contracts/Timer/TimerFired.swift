import Foundation

/// A schedule's slot came due. Its envelope id is derived from schedule and slot, so a slot
/// is announced once however many timer instances run.
public struct TimerFired: Event {
    public static let wireName = "timer.fired"
    public static let publisher = "timer"
    /// For example `recurring-billing`, `overdue-suspensions`, `certificate-renewals`, `backup-cleanup`.
    public var schedule: String
    /// The slot's time in UTC.
    public var slot: Date
    public init(schedule: String, slot: Date) {
        self.schedule = schedule
        self.slot = slot
    }
}
