import Foundation
import Persistence
import PostgresNIO

/// Limits what strangers may try (logins, sign-ups, reset requests) per client address and
/// per account, counted in the portal's schema so every instance sees the same counts.
struct RateLimiter: Sendable {
    let database: Database

    /// At most `count` attempts of `action` per subject in any `window`.
    struct Limit: Sendable {
        let action: String
        let count: Int
        let window: Duration

        static let loginPerAddress = Limit(action: "login", count: 20, window: .seconds(600))
        static let failedLoginPerEmail = Limit(action: "login-failed", count: 10, window: .seconds(900))
        static let signUpPerAddress = Limit(action: "sign-up", count: 10, window: .seconds(3600))
        static let resetPerAddress = Limit(action: "reset", count: 10, window: .seconds(3600))
        static let resetPerEmail = Limit(action: "reset-email", count: 3, window: .seconds(3600))
    }

    /// Counts this attempt and says whether it is within the limit.
    func allow(_ limit: Limit, _ subject: String) async throws -> Bool {
        try await record(limit, subject)
        return try await attempts(limit, subject) <= limit.count
    }

    /// Whether the subject is still within the limit, without counting an attempt.
    func isWithin(_ limit: Limit, _ subject: String) async throws -> Bool {
        try await attempts(limit, subject) < limit.count
    }

    func record(_ limit: Limit, _ subject: String) async throws {
        _ = try await database.query("""
            WITH expired AS (
                DELETE FROM attempts WHERE action = \(limit.action) AND subject = \(subject)
                    AND at < now() - make_interval(secs => \(Self.seconds(limit)))
            )
            INSERT INTO attempts (action, subject) VALUES (\(limit.action), \(subject))
            """)
    }

    private func attempts(_ limit: Limit, _ subject: String) async throws -> Int {
        try await database.query("""
            SELECT count(*)::int FROM attempts WHERE action = \(limit.action) AND subject = \(subject)
                AND at > now() - make_interval(secs => \(Self.seconds(limit)))
            """).first?.decode(Int.self) ?? 0
    }

    private static func seconds(_ limit: Limit) -> Double {
        Double(limit.window.components.seconds)
    }
}
