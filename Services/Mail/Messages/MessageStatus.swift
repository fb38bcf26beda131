import Persistence
import PostgresNIO

/// Where a message is, as stored in `messages.status` (the table's CHECK lists the same).
enum MessageStatus: String, StoredState, CaseIterable {
    case queued, sent, failed
}
