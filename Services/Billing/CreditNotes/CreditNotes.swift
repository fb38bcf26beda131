import Contracts
import Foundation
import HTTPSupport
import ServiceKit

/// Credit notes: how an issued invoice is cancelled or corrected, each numbered and announced
/// to the customer with the refund or credit it causes.
enum CreditNotes {
    /// Issues `note` and publishes `credit-note.issued`, in the caller's transaction.
    @discardableResult
    static func issue(_ note: CreditNoteStore.New, in transaction: Transaction) async throws -> String {
        let (id, number) = try await CreditNoteStore.issue(note, in: transaction)
        if let party = try await InvoiceParties.load(
            note.invoiceID, on: transaction.connection, logger: transaction.logger)
        {
            try await transaction.publish(
                CreditNoteIssued(
                    creditNoteID: id, number: number, invoice: party, amount: note.amount,
                    settlement: note.settlement.rawValue))
        }
        return number
    }

    /// Credits `amount` of a paid invoice to its customer's balance, by a credit note: at most
    /// what the invoice billed less what refunds and credit notes gave back already.
    static func credit(
        _ amount: Int, of invoice: UUID, reason: String, actor: String, in transaction: Transaction
    ) async throws -> String {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        guard let standing = try await InvoiceStore.lockStanding(invoice, in: transaction) else {
            throw APIError.notFound("invoice")
        }
        guard standing.status == .paid || standing.status == .refunded else {
            throw APIError.conflict(
                "not_paid", "the invoice is \(standing.status.rawValue): cancel an open invoice by voiding it")
        }
        let left = standing.total - (try await CreditNoteStore.credited(invoice, in: transaction))
        guard (1...max(1, left)).contains(amount), left > 0 else {
            throw APIError.invalid("amount", "amount is 1 to \(max(0, left)), what this invoice has not given back yet")
        }
        let credit = try await CustomerStore.grantCredit(
            amount, currency: standing.currency, to: standing.customerID, reason: reason, actor: actor,
            in: transaction)
        return try await issue(
            .init(
                invoiceID: invoice, customerID: standing.customerID, amount: amount, currency: standing.currency,
                settlement: .credit, creditID: credit, reason: reason, actor: actor), in: transaction)
    }
}
