import Foundation

/// A five-field cron expression (minute, hour, day of month, month, day of week) with
/// `*`, numbers, lists, ranges and steps; day of week 0 or 7 is Sunday. As in cron, when
/// both day fields are restricted a day matching either is due.
struct CronExpression: Sendable, Equatable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    init(_ text: String) throws(CronError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw CronError("\(text): five fields are needed (minute hour day month weekday)")
        }
        minutes = try Self.parse(fields[0], 0...59)
        hours = try Self.parse(fields[1], 0...23)
        daysOfMonth = try Self.parse(fields[2], 1...31)
        months = try Self.parse(fields[3], 1...12)
        daysOfWeek = Set(try Self.parse(fields[4], 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
    }

    /// The slots after `start` up to and including `end`, oldest first, at most `limit`.
    func slots(after start: Date, through end: Date, in timeZone: TimeZone, limit: Int) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var slots: [Date] = []
        // From the first whole minute after `start`, skipping whole days and hours that cannot
        // match: a daily schedule costs about 84 steps a day, so years of catch-up stay quick.
        var minute = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        while minute <= end && slots.count < limit {
            let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: minute)
            guard let hour = parts.hour, let minuteOfHour = parts.minute else { break }
            if !dayMatches(parts) {
                guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: minute)) else {
                    break
                }
                minute = next
            } else if !hours.contains(hour) {
                minute += Double(60 - minuteOfHour) * 60
            } else {
                if minutes.contains(minuteOfHour) { slots.append(minute) }
                minute += 60
            }
        }
        return slots
    }

    private func dayMatches(_ parts: DateComponents) -> Bool {
        guard let day = parts.day, let month = parts.month, let weekday = parts.weekday, months.contains(month) else {
            return false
        }
        let dayOfMonth = daysOfMonth.contains(day)
        let dayOfWeek = daysOfWeek.contains(weekday - 1)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    private static func parse(_ field: String, _ range: ClosedRange<Int>) throws(CronError) -> Set<Int> {
        var values: Set<Int> = []
        for part in field.split(separator: ",") {
            let pieces = part.split(separator: "/", maxSplits: 1)
            let step = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let step, step > 0 else { throw CronError("\(field): a step is a positive number") }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]),
                    low <= high
                else {
                    throw CronError("\(field): \(part) is not a range")
                }
                bounds = low...high
            } else {
                guard let value = Int(pieces[0]) else { throw CronError("\(field): \(part) is not a number") }
                bounds = value...(pieces.count == 2 ? range.upperBound : value)
            }
            guard range.contains(bounds.lowerBound), range.contains(bounds.upperBound) else {
                throw CronError("\(field): \(part) is outside \(range.lowerBound)–\(range.upperBound)")
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        guard !values.isEmpty else { throw CronError("\(field) is empty") }
        return values
    }
}

struct CronError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}
