import Foundation
import Persistence
import Synchronization

/// Paid orders whose work is not finished (the account not made yet): what the platform has
/// taken on and not done. Past `limit`, new orders are refused at the door with 503 and
/// `Retry-After`, so a flood beyond what the platform sustains is turned away cheaply,
/// before it costs a payment and a provisioning, instead of slowing every order already paid for.
final class OrderBacklog: Sendable {
    /// 0: no bound.
    let limit: Int
    let database: Database
    /// How old a count may be before it is read again (a count over a partial index).
    let freshness: Duration
    private let lastRead: Mutex<(count: Int, at: ContinuousClock.Instant)?> = Mutex(nil)

    init(limit: Int, database: Database, freshness: Duration = .milliseconds(250)) {
        self.limit = limit
        self.database = database
        self.freshness = freshness
    }

    /// Whether new orders are turned away now.
    func isFull() async throws -> Bool {
        guard limit > 0 else { return false }
        let now = ContinuousClock.now
        if let read = lastRead.withLock({ $0 }), now - read.at < freshness { return read.count >= limit }
        let count = try await OrderStore.unfinished(on: database)
        lastRead.withLock { $0 = (count, now) }
        return count >= limit
    }
}
