import Foundation
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
        guard let invoice = try await InvoiceStore.lockStanding(id, in: transaction) else { return .notFound }
        guard invoice.status == .open else { return .notOpen(status: invoice.status) }
        guard invoice.amountPaid == 0 else { return .partlyPaid }
        guard !invoice.chargePending else { return .chargeInProgress }
        try await InvoiceStore.void(id, actor: actor, reason: reason, in: transaction)
        // Cancelled by a numbered credit note for what it billed, never by editing it.
        if invoice.total > 0 {
            try await CreditNotes.issue(
                .init(
                    invoiceID: id, customerID: invoice.customerID, amount: invoice.total, currency: invoice.currency,
                    settlement: .cancellation, reason: reason, actor: actor), in: transaction)
        }
        return .voided
    }
}
