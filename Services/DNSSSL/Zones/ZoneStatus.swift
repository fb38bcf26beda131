import Persistence
import PostgresNIO

/// Where a zone is, as stored in `zones.status` (the table's CHECK lists the same).
enum ZoneStatus: String, StoredState, CaseIterable {
    case pending, active, deleting, deleted

    /// Made or being made on the DNS server, and so worth syncing and certifying.
    var isServed: Bool { self == .pending || self == .active }
}
