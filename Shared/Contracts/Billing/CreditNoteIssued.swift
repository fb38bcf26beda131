import Foundation

/// Billing issued a credit note against an invoice: it was cancelled unpaid, money went back,
/// or the customer's balance took it. The customer is sent the note.
public struct CreditNoteIssued: Event {
    public static let wireName = "credit-note.issued"
    public static let publisher = "billing"

    public var creditNoteID: UUID
    /// `CN-000123`, from a gap-free sequence of its own.
    public var number: String
    public var invoice: InvoiceParty
    /// Minor units of the invoice's currency.
    public var amount: Int
    /// `cancellation`, `refund` or `credit`.
    public var settlement: String

    public init(creditNoteID: UUID, number: String, invoice: InvoiceParty, amount: Int, settlement: String) {
        self.creditNoteID = creditNoteID
        self.number = number
        self.invoice = invoice
        self.amount = amount
        self.settlement = settlement
    }

    enum CodingKeys: String, CodingKey {
        case creditNoteID = "credit_note_id"
        case number, invoice, amount, settlement
    }
}
