import Contracts
import Foundation
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
        guard let currency = try await InvoiceStore.currency(of: invoice, in: transaction) else {
            return .unknownInvoice
        }
        return try await record(
            Payment(
                invoiceID: invoice, method: "manual", reference: reference, amount: amount, currency: currency,
                note: note),
            in: transaction)
    }

    func record(_ payment: Payment, in transaction: Transaction) async throws -> Outcome {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        guard let invoice = try await InvoiceStore.lockStanding(payment.invoiceID, in: transaction) else {
            return .unknownInvoice
        }
        guard invoice.currency == payment.currency.uppercased() else { return .currencyMismatch }
        guard try await PaymentStore.record(payment, currency: invoice.currency, in: transaction) else {
            return .duplicate
        }
        // An overpayment (a charge racing a manual payment) is kept on record for a refund.
        let paid = invoice.status == .open && invoice.amountPaid + payment.amount >= invoice.total
        try await InvoiceStore.credit(payment.invoiceID, amount: payment.amount, paid: paid, in: transaction)
        guard paid else { return .credited }
        if let party = try await InvoiceParties.load(
            payment.invoiceID, on: transaction.connection, logger: transaction.logger)
        {
            try await transaction.publish(
                InvoicePaid(invoice: party, method: payment.method, paymentReference: payment.reference))
        }
        // An upgrade takes effect once its invoice is paid, in the payment's own transaction.
        try await PlanChanges.applyPaid(payment.invoiceID, in: transaction)
        // Unsuspended once no invoice that led to a suspension is still open.
        try await transaction.send(
            contentsOf: try await SubscriptionStore.reinstate(billedBy: payment.invoiceID, in: transaction).map {
                UnsuspendAccount(accountID: $0, onlyIfSuspendedFor: "non-payment", actor: "billing")
            })
        return .credited
    }
}
