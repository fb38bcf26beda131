import Persistence
import PostgresNIO

/// Where a certificate is, as stored in `certificates.status` (the table's CHECK lists the same).
enum CertificateStatus: String, StoredState, CaseIterable {
    case pending, issued, failed, superseded, closed
}
