import Foundation
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
        guard try await CustomerStore.exists(customer, in: transaction) else { return .unknownCustomer }
        try await CustomerStore.grantCredit(
            amount, currency: currency, to: customer, reason: reason, actor: actor, in: transaction)
        return .granted(balance: try await balance(of: customer, in: currency, on: transaction))
    }

    func balance(of customer: UUID, in currency: String, on transaction: Transaction) async throws -> Int {
        try await CustomerStore.creditBalance(of: customer, in: currency, on: transaction)
    }

    /// Pays what it can of each open invoice in `invoices` from its customer's credit, oldest
    /// due first; answers how many invoices took credit.
    func apply(to invoices: [UUID], in transaction: Transaction) async throws -> Int {
        guard !invoices.isEmpty else { return 0 }
        // Only invoices whose customer has credit in the invoice's currency: usually none.
        var applied = 0
        for invoice in try await CustomerStore.payableFromCredit(invoices, in: transaction) {
            let available = try await balance(of: invoice.customerID, in: invoice.currency, on: transaction)
            let amount = min(available, invoice.due)
            guard amount > 0,
                try await CustomerStore.takeCredit(
                    amount, currency: invoice.currency, of: invoice.customerID, for: invoice.invoiceID, in: transaction)
            else { continue }
            _ = try await ledger.record(
                .init(
                    invoiceID: invoice.invoiceID, method: "credit", reference: "credit:\(invoice.invoiceID)",
                    amount: amount, currency: invoice.currency, note: "from the customer's credit"), in: transaction)
            applied += 1
        }
        return applied
    }
}
