import Persistence
import PostgresNIO

/// Where an invoice is, as stored in `invoices.status` (the table's CHECK lists the same).
enum InvoiceStatus: String, StoredState, CaseIterable {
    case open, paid, cancelled, refunded
}
