import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Credits payments to invoices, once per payment reference, whichever way they arrive (the
/// charge's answer, its webhook, an operator), and lifts a non-payment suspension once
/// nothing that caused one is still open.
struct PaymentLedger: Sendable {
    let settings: BillingSettings

    enum Outcome: String, Sendable, Codable {
        /// Credited; the invoice may now be paid.
        case credited
        /// This reference was credited before.
        case duplicate
        case unknownInvoice = "unknown_invoice"
        case currencyMismatch = "currency_mismatch"
    }

    struct Payment: Sendable {
        var invoiceID: UUID
        /// `order`, `card`, `webhook` or `manual`.
        var method: String
        var reference: String
        var amount: Int
        var currency: String
        var note: String? = nil
    }

    /// Credits money an operator received outside the provider (a bank transfer), in the
    /// invoice's own currency.
    func recordManual(
        to invoice: UUID, reference: String, amount: Int, note: String?, in transaction: Transaction
    ) async throws -> Outcome {
        guard
            let currency = try await transaction.query("SELECT currency FROM invoices WHERE id = \(invoice)")
                .first?.decode(String.self)
        else { return .unknownInvoice }
        return try await record(
            Payment(
                invoiceID: invoice, method: "manual", reference: reference, amount: amount, currency: currency,
                note: note),
            in: transaction)
    }

    func record(_ payment: Payment, in transaction: Transaction) async throws -> Outcome {
        let (connection, logger) = (transaction.connection, transaction.logger)
        try await BillingLock.take(on: connection, logger: logger)
        guard
            let row = try await connection.query(
                """
                SELECT currency, subscription_id, status, amount_paid, total FROM invoices WHERE id = \(payment.invoiceID)
                """, logger: logger
            ).collect().first
        else { return .unknownInvoice }
        let (currency, subscription, status, alreadyPaid, total) = try row.decode(
            (String, UUID, InvoiceStatus, Int, Int).self)
        guard currency == payment.currency.uppercased() else { return .currencyMismatch }
        let inserted = try await connection.query(
            """
            INSERT INTO payments (invoice_id, method, reference, amount, currency, note)
            VALUES (\(payment.invoiceID), \(payment.method), \(payment.reference), \(payment.amount), \(currency), \(payment.note))
            ON CONFLICT (reference) DO NOTHING RETURNING id
            """, logger: logger
        ).collect()
        guard !inserted.isEmpty else { return .duplicate }
        // An overpayment (a charge racing a manual payment) is kept on record for a refund.
        let paid = status == .open && alreadyPaid + payment.amount >= total
        try await connection.query(
            """
            UPDATE invoices SET amount_paid = amount_paid + \(payment.amount),
                status = CASE WHEN \(paid) THEN 'paid' ELSE status END,
                paid_at = CASE WHEN \(paid) THEN now() ELSE paid_at END,
                next_charge_on = CASE WHEN \(paid) THEN NULL ELSE next_charge_on END
            WHERE id = \(payment.invoiceID)
            """, logger: logger)
        guard paid else { return .credited }
        if let party = try await InvoiceParties.load(payment.invoiceID, on: connection, logger: logger) {
            try await transaction.publish(
                InvoicePaid(invoice: party, method: payment.method, paymentReference: payment.reference))
        }
        try await reinstate(subscription, in: transaction)
        return .credited
    }

    /// Unsuspends a subscription suspended for non-payment once no invoice that led to a
    /// suspension is still open.
    private func reinstate(_ subscription: UUID, in transaction: Transaction) async throws {
        let rows = try await transaction.query(
            """
            UPDATE subscriptions s SET status = 'active', suspended_for = NULL, updated_at = now()
            WHERE s.id = \(subscription) AND s.status = 'suspended' AND s.suspended_for = 'non-payment'
              AND NOT EXISTS (SELECT 1 FROM invoices i JOIN dunning_actions d ON d.invoice_id = i.id AND d.action = 'suspend'
                              WHERE i.subscription_id = s.id AND i.status = 'open')
            RETURNING (SELECT account_id FROM accounts a WHERE a.order_id = s.order_id)
            """)
        for row in rows {
            guard let account = try row.decode(UUID?.self) else { continue }
            try await transaction.send(
                UnsuspendAccount(accountID: account, onlyIfSuspendedFor: "non-payment", actor: "billing"))
        }
    }
}
