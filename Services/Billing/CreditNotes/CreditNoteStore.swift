import Foundation
import PostgresNIO
import ServiceKit

/// How a credit note settles what it takes off an invoice.
enum CreditNoteSettlement: String, Codable, Sendable {
    /// The invoice is cancelled unpaid.
    case cancellation
    /// Money goes back (a refund).
    case refund
    /// The customer's balance takes it, for their next invoices.
    case credit
}

/// Credit notes — `credit_notes` and `credit_note_counter`: every statement that writes them.
enum CreditNoteStore {
    /// A credit note to issue.
    struct New: Sendable {
        let invoiceID: UUID
        let customerID: UUID
        let amount: Int
        let currency: String
        let settlement: CreditNoteSettlement
        var refundID: UUID? = nil
        var creditID: UUID? = nil
        let reason: String?
        let actor: String
    }

    /// Issues `note` under the next number (`CN-000001`…): taken in this transaction, so a
    /// rolled-back one leaves no gap. Answers its id and number.
    static func issue(_ note: New, in transaction: Transaction) async throws -> (id: UUID, number: String) {
        let id = UUID()
        let number = try await transaction.query(
            """
            WITH counter AS (UPDATE credit_note_counter SET last = last + 1 RETURNING last)
            INSERT INTO credit_notes (id, number, invoice_id, customer_id, amount, currency, settlement, refund_id, credit_id,
                                      reason, actor)
            SELECT \(id), 'CN-' || lpad(last::text, 6, '0'), \(note.invoiceID), \(note.customerID), \(note.amount),
                   \(note.currency), \(note.settlement.rawValue), \(note.refundID), \(note.creditID), \(note.reason), \(note.actor)
            FROM counter
            RETURNING number
            """
        ).first?.decode(String.self)
        guard let number else { throw NoCreditNoteNumber() }
        return (id, number)
    }

    /// What credit notes that give value back (refunds, credit) took off `invoice` so far.
    static func credited(_ invoice: UUID, in transaction: Transaction) async throws -> Int {
        try await transaction.query(
            """
            SELECT coalesce(sum(amount), 0)::int FROM credit_notes WHERE invoice_id = \(invoice) AND settlement <> 'cancellation'
            """
        ).first?.decode(Int.self) ?? 0
    }

    struct NoCreditNoteNumber: Error {}
}
