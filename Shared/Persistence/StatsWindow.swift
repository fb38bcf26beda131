/// The days a daily-figures query covers, 1 to 90, ending today (UTC).
public struct StatsWindow: Sendable, Equatable {
    public let days: Int

    /// `nil` unless `days` is 1 to 90.
    public init?(days: Int) {
        guard (1...90).contains(days) else { return nil }
        self.days = days
    }

    /// A common table expression `days (day date, s timestamptz)`: each day of the window and
    /// the instant it starts (UTC). `days` is checked at init, so it is safe to splice.
    public var daysSQL: String {
        """
        days AS (SELECT g::date AS day, g AT TIME ZONE 'UTC' AS s
                 FROM generate_series((now() AT TIME ZONE 'UTC')::date - \(days - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') g)
        """
    }
}
