import Foundation
import PostgresNIO
import ServiceKit

/// A customer's credit balance: goodwill credits granted by staff, taken first by the
/// invoices issued afterwards (an invoice covered in full is paid without a charge, one
/// covered in part is charged only what is left).
struct CustomerCredit: Sendable {
    let ledger: PaymentLedger

    enum Outcome: Equatable, Sendable {
        case granted(balance: Int)
        case unknownCustomer
    }

    /// Adds `amount` (minor units of `currency`) to `customer`'s credit.
    func grant(
        _ amount: Int, currency: String, to customer: UUID, reason: String, actor: String,
        in transaction: Transaction
    ) async throws -> Outcome {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        guard try await !transaction.query("SELECT 1 FROM customers WHERE id = \(customer)").isEmpty else {
            return .unknownCustomer
        }
        _ = try await transaction.query(
            """
            INSERT INTO credits (customer_id, currency, amount, reason, actor) VALUES (\(customer), \(currency), \(amount), \(reason), \(actor))
            """)
        return .granted(balance: try await balance(of: customer, in: currency, on: transaction))
    }

    func balance(of customer: UUID, in currency: String, on transaction: Transaction) async throws -> Int {
        try await transaction.query(
            """
            SELECT coalesce(sum(amount), 0)::int FROM credits WHERE customer_id = \(customer) AND currency = \(currency)
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Pays what it can of each open invoice in `invoices` from its customer's credit, oldest
    /// due first; answers how many invoices took credit.
    func apply(to invoices: [UUID], in transaction: Transaction) async throws -> Int {
        guard !invoices.isEmpty else { return 0 }
        // Only invoices whose customer has credit in the invoice's currency: usually none.
        let candidates = try await transaction.query(
            """
            SELECT i.id, i.customer_id, i.currency, i.total - i.amount_paid
            FROM invoices i
            WHERE i.id = ANY(\(invoices)) AND i.status = 'open' AND i.total > i.amount_paid
              AND EXISTS (SELECT 1 FROM credits c WHERE c.customer_id = i.customer_id AND c.currency = i.currency AND c.amount > 0)
            ORDER BY i.due_on, i.number
            """
        ).map { try $0.decode((UUID, UUID, String, Int).self) }
        var applied = 0
        for (invoice, customer, currency, due) in candidates {
            let available = try await balance(of: customer, in: currency, on: transaction)
            let amount = min(available, due)
            guard amount > 0 else { continue }
            let taken = try await transaction.query(
                """
                INSERT INTO credits (customer_id, currency, amount, reason, actor, invoice_id)
                VALUES (\(customer), \(currency), \(-amount), 'applied to an invoice', 'billing', \(invoice))
                ON CONFLICT (invoice_id) DO NOTHING RETURNING id
                """)
            guard !taken.isEmpty else { continue }
            _ = try await ledger.record(
                .init(
                    invoiceID: invoice, method: "credit", reference: "credit:\(invoice)", amount: amount,
                    currency: currency, note: "from the customer's credit"), in: transaction)
            applied += 1
        }
        return applied
    }
}
