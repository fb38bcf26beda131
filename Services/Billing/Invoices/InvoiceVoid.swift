import Foundation
import PostgresNIO
import ServiceKit

/// Voiding an open invoice nothing was paid on: it is cancelled, never charged nor dunned
/// again, and its period is not invoiced again (its once-per-period key stays taken). Money
/// already received is undone by a refund instead.
struct InvoiceVoid: Sendable {
    enum Outcome: Equatable, Sendable {
        case voided
        case notFound
        /// Paid, refunded or cancelled already.
        case notOpen(status: InvoiceStatus)
        case partlyPaid
        /// A charge is under way; its answer decides first.
        case chargeInProgress
    }

    func void(_ id: UUID, actor: String, reason: String, in transaction: Transaction) async throws -> Outcome {
        guard
            let row = try await transaction.query(
                """
                SELECT status, amount_paid, charge_pending FROM invoices WHERE id = \(id) FOR UPDATE
                """
            ).first
        else { return .notFound }
        let (status, paid, charging) = try row.decode((InvoiceStatus, Int, Bool).self)
        guard status == .open else { return .notOpen(status: status) }
        guard paid == 0 else { return .partlyPaid }
        guard !charging else { return .chargeInProgress }
        _ = try await transaction.query(
            """
            UPDATE invoices SET status = 'cancelled', next_charge_on = NULL, voided_at = now(), voided_by = \(actor), void_reason = \(reason)
            WHERE id = \(id)
            """)
        return .voided
    }
}
