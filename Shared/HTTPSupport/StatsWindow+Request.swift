import Hummingbird

/// The days a daily-figures endpoint covers (`?days=`, 1 to 90, 30 by default), ending today (UTC).
public struct StatsWindow: Sendable {
    public let days: Int

    public init(_ request: Request) throws {
        guard let text = request.uri.queryParameters.get("days") else {
            days = 30
            return
        }
        guard let days = Int(text), (1...90).contains(days) else { throw APIError.invalid("days", "days is 1 to 90") }
        self.days = days
    }
}

extension StatsWindow {
    /// A common table expression `days (day date, s timestamptz)`: each day of the window and
    /// the instant it starts (UTC). `days` is validated, so it is safe to splice.
    public var daysSQL: String {
        """
        days AS (SELECT g::date AS day, g AT TIME ZONE 'UTC' AS s
                 FROM generate_series((now() AT TIME ZONE 'UTC')::date - \(days - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') g)
        """
    }
}
