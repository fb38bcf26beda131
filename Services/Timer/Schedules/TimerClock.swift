import Foundation
import Persistence
import PostgresNIO

/// The timer's notion of now: the real clock plus an offset kept in the timer's schema, so
/// tests and load runs can move time forward and the move survives a restart.
struct TimerClock: Sendable {
    let database: Database

    func now() async throws -> Date {
        let offset = try await database.query("SELECT offset_seconds FROM clock").first?.decode(Double.self) ?? 0
        return Date().addingTimeInterval(offset)
    }

    func advance(by seconds: Double) async throws -> Date {
        _ = try await database.query("UPDATE clock SET offset_seconds = offset_seconds + \(seconds)")
        return try await now()
    }
}
