import Foundation

/// A schedule as the API shows and accepts it.
struct Schedule: Codable, Sendable {
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
