import Foundation
import PostgresNIO

/// A calendar day in UTC as billing reckons (`yyyy-MM-dd`), bound into SQL as text and cast to `date`.
struct BillingDay: Sendable, Hashable, CustomStringConvertible {
    let description: String

    init(_ date: Date) {
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        description = String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }

    /// Accepts only a real `yyyy-MM-dd` date.
    init?(parsing text: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard text.count == 10, let date = formatter.date(from: text), formatter.string(from: date) == text else {
            return nil
        }
        description = text
    }

    /// The day `days` later (earlier when negative).
    func adding(days: Int) -> BillingDay {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let date = formatter.date(from: description) ?? Date()
        return BillingDay(date.addingTimeInterval(Double(days) * 86_400))
    }
}

/// Serialises billing's writers (runs, payments, charges) on the invoice counter's row, so a
/// suspension never crosses a payment and invoice numbers never skip.
enum BillingLock {
    static func take(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT last FROM invoice_counter FOR UPDATE", logger: logger)
    }
}
