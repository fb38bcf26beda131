import Contracts
import Foundation
import Payments
import Persistence
import ServiceKit
import Tasks

/// One automatic charge attempt of an invoice.
struct ChargeInvoiceTask: TaskPayload {
    static let taskType = "charge-invoice"
    static let maxAttempts = 10
    let invoiceID: UUID
    let attempt: Int
    /// The billing day that queued it: a decline past the grace period suspends as of then.
    let asOf: String
    enum CodingKeys: String, CodingKey {
        case invoiceID = "invoice_id"
        case attempt
        case asOf = "as_of"
    }
}

/// Charges the saved card off-session with an `Idempotency-Key` derived from invoice and
/// attempt, so a retried task (provider unavailable, worker killed) never charges twice.
/// A decline is an answer, not an error: it is recorded, the next attempt is planned from
/// the retry schedule, and `payment.failed` tells the customer.
struct ChargeInvoice: Sendable {
    let settings: BillingSettings

    func register(in definition: inout ServiceDefinition) {
        let ledger = PaymentLedger(settings: settings)
        let dunning = Dunning(settings: settings)
        definition.tasks.register(ChargeInvoiceTask.self) { charge, completion in
            guard let invoice = try await InvoiceStore.chargeable(charge.invoiceID, on: completion.database) else {
                throw PermanentTaskFailure("no invoice \(charge.invoiceID)")
            }
            let key = "invoice-\(charge.invoiceID)-attempt-\(charge.attempt)"
            // Paid meanwhile (webhook, operator) or no card on file: nothing to charge.
            guard invoice.status == .open, invoice.due > 0, let customer = invoice.paymentCustomer,
                let method = invoice.paymentMethod
            else {
                try await completion.finish { transaction in
                    try await settle(
                        charge, key: key, outcome: "settled", detail: "invoice \(invoice.status.rawValue)", transaction)
                }
                return
            }
            let intent: PaymentIntent
            do {
                intent = try await settings.gateway.chargeOffSession(
                    PaymentRequest(
                        amount: invoice.due, currency: invoice.currency, description: "Invoice \(invoice.number)",
                        metadata: [
                            "invoice_id": charge.invoiceID.uuidString.lowercased(), "invoice_number": invoice.number,
                        ]),
                    customer: customer, paymentMethod: method, idempotencyKey: key)
            } catch PaymentError.declined(let code, let message) {
                try await completion.finish { transaction in
                    try await decline(charge, key: key, reason: code, detail: message, dunning: dunning, transaction)
                }
                return
            } catch PaymentError.invalid(let message) {
                throw PermanentTaskFailure(message)
            }
            try await completion.finish { transaction in
                guard intent.status == "succeeded" else {
                    // Off-session charges that need the customer (3-D Secure) cannot complete here.
                    try await decline(
                        charge, key: key, reason: intent.status, detail: nil, dunning: dunning, transaction)
                    return
                }
                try await settle(charge, key: key, outcome: "succeeded", detail: intent.id, transaction)
                _ = try await ledger.record(
                    .init(
                        invoiceID: charge.invoiceID, method: "card", reference: intent.id,
                        amount: intent.amount, currency: intent.currency), in: transaction)
            }
        } onFinalFailure: { charge, _, transaction in
            // Given up (provider down for hours): dunning takes the invoice back.
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            try await InvoiceStore.releaseCharge(charge.invoiceID, in: transaction)
        } beforeRetry: { charge, transaction in
            // An operator's retry charges now: the invoice is the charge's again, not dunning's.
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            try await InvoiceStore.resumeCharge(charge.invoiceID, in: transaction)
        }
    }

    /// Records the attempt's outcome. Takes the billing lock before touching the invoice, as
    /// every billing writer does, so a charge and a billing run never deadlock.
    private func settle(
        _ charge: ChargeInvoiceTask, key: String, outcome: String, detail: String?,
        _ transaction: Transaction
    ) async throws {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        try await InvoiceStore.settleCharge(
            charge.invoiceID, attempt: charge.attempt, key: key, outcome: outcome, detail: detail, in: transaction)
    }

    private func decline(
        _ charge: ChargeInvoiceTask, key: String, reason: String, detail: String?, dunning: Dunning,
        _ transaction: Transaction
    ) async throws {
        try await settle(
            charge, key: key, outcome: "declined", detail: [reason, detail].compactMap { $0 }.joined(separator: ": "),
            transaction)
        let retryIn = charge.attempt <= settings.retryDays.count ? settings.retryDays[charge.attempt - 1] : nil
        let next = try await InvoiceStore.planNextCharge(charge.invoiceID, retryIn: retryIn, in: transaction)
        if let party = try await InvoiceParties.load(
            charge.invoiceID, on: transaction.connection, logger: transaction.logger)
        {
            try await transaction.publish(
                PaymentFailed(
                    invoice: party, attempt: charge.attempt, reason: reason,
                    nextAttemptOn: next))
        }
        if let day = BillingDay(parsing: charge.asOf) {
            _ = try await dunning.suspend(on: day, only: charge.invoiceID, in: transaction)
        }
    }
}
