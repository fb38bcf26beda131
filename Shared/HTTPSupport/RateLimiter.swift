import Foundation
import Persistence
import PostgresNIO

/// Limits what strangers may try (logins, sign-ups, orders) per client address and per
/// account, counted in the service's own `attempts` table so every instance sees the same
/// counts:
///
/// ```sql
/// CREATE TABLE attempts (action text NOT NULL, subject text NOT NULL, at timestamptz NOT NULL DEFAULT now());
/// CREATE INDEX attempts_by_subject ON attempts (action, subject, at);
/// ```
public struct RateLimiter: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// At most `count` attempts of `action` per subject in any `window`.
    public struct Limit: Sendable {
        public let action: String
        public let count: Int
        public let window: Duration

        public init(action: String, count: Int, window: Duration) {
            self.action = action
            self.count = count
            self.window = window
        }
    }

    /// Counts this attempt and says whether it is within the limit.
    public func allow(_ limit: Limit, _ subject: String) async throws -> Bool {
        try await record(limit, subject)
        return try await attempts(limit, subject) <= limit.count
    }

    /// Whether the subject is still within the limit, without counting an attempt.
    public func isWithin(_ limit: Limit, _ subject: String) async throws -> Bool {
        try await attempts(limit, subject) < limit.count
    }

    public func record(_ limit: Limit, _ subject: String) async throws {
        _ = try await database.query(
            """
            WITH expired AS (
                DELETE FROM attempts WHERE action = \(limit.action) AND subject = \(subject)
                    AND at < now() - make_interval(secs => \(Self.seconds(limit)))
            )
            INSERT INTO attempts (action, subject) VALUES (\(limit.action), \(subject))
            """)
    }

    private func attempts(_ limit: Limit, _ subject: String) async throws -> Int {
        try await database.query(
            """
            SELECT count(*)::int FROM attempts WHERE action = \(limit.action) AND subject = \(subject)
                AND at > now() - make_interval(secs => \(Self.seconds(limit)))
            """
        ).first?.decode(Int.self) ?? 0
    }

    private static func seconds(_ limit: Limit) -> Double {
        Double(limit.window.components.seconds)
    }
}
