import Persistence
import PostgresNIO

/// Where a subscription is, as stored in `subscriptions.status` (the table's CHECK lists the same).
enum SubscriptionStatus: String, StoredState, CaseIterable {
    case active, suspended, terminated, cancelled

    /// Still running: it can be invoiced, cancelled or suspended.
    var isLive: Bool { self == .active || self == .suspended }
}
