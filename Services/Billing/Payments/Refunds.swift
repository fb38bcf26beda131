import Contracts
import Foundation
import Payments
import Persistence
import PostgresNIO
import ServiceKit
import Tasks

/// Refund (part of) a payment: queued when billing itself gives money back.
struct RefundPaymentTask: TaskPayload {
    static let taskType = "refund-payment"
    static let maxAttempts = 12
    let paymentID: UUID
    let cause: RefundReason
    enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case cause
    }
}

/// Gives money back: through the provider first, under an idempotency key derived from what
/// was refunded before (a repeated request or a retried task cannot refund twice), then
/// recorded, with `payment.refunded` for the customer and the operator. The refund's
/// provider reference is unique in `refunds`, so a refund is recorded once.
struct Refunds: Sendable {
    let gateway: any PaymentGateway

    struct Refunded: Encodable, Sendable {
        let id: UUID, paymentID: UUID, reference: String, amount: Int, invoiceStatus: InvoiceStatus
        enum CodingKeys: String, CodingKey {
            case id
            case paymentID = "payment_id"
            case reference, amount
            case invoiceStatus = "invoice_status"
        }
    }

    /// Made at the provider, not yet recorded.
    struct Made: Sendable {
        let payment: UUID, reference: String, amount: Int, cause: RefundReason, actor: String, note: String?
    }

    enum Refusal: Error {
        case unknownPayment
        /// `amount` is not within 1 and what is left unrefunded (`left`).
        case amount(left: Int)
        case provider(PaymentError)
        /// Paid from the customer's credit: nothing to send back to a card.
        case creditPayment
    }

    /// Refunds `amount` (all that is left when `nil`) of `payment` at the provider.
    func make(
        _ payment: UUID, amount requested: Int?, cause: RefundReason, actor: String, note: String?,
        on database: Database
    ) async throws -> Made {
        guard let found = try await PaymentStore.refundable(payment, on: database) else {
            throw Refusal.unknownPayment
        }
        let (method, reference, left, refundedBefore) = (
            found.method, found.reference, found.left, found.refundedBefore
        )
        let amount = requested ?? left
        guard amount > 0, amount <= left else { throw Refusal.amount(left: left) }
        guard method != "credit" else { throw Refusal.creditPayment }
        guard method != "manual" else {
            // Money paid by hand goes back by hand; this records it.
            return Made(
                payment: payment, reference: "manual-refund:\(payment):\(refundedBefore)", amount: amount, cause: cause,
                actor: actor, note: note)
        }
        do {
            let refund = try await gateway.refund(
                payment: reference, amount: amount,
                idempotencyKey: "refund-\(payment)-\(refundedBefore)-\(amount)")
            return Made(payment: payment, reference: refund.id, amount: amount, cause: cause, actor: actor, note: note)
        } catch let error as PaymentError {
            throw Refusal.provider(error)
        }
    }

    /// Records a refund made at the provider and publishes `payment.refunded`; a refund
    /// recorded before (same provider reference) records nothing and returns `nil`.
    func record(_ made: Made, in transaction: Transaction) async throws -> Refunded? {
        try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
        let id = UUID()
        guard let invoice = try await PaymentStore.recordRefund(id, of: made, in: transaction),
            let after = try await InvoiceStore.settleRefund(of: invoice, in: transaction)
        else { return nil }
        // Every refund is a numbered credit note against the invoice it pays back.
        try await CreditNotes.issue(
            .init(
                invoiceID: invoice, customerID: after.customerID, amount: made.amount, currency: after.currency,
                settlement: .refund, refundID: id, reason: made.note ?? made.cause.rawValue, actor: made.actor),
            in: transaction)
        try await transaction.publish(
            PaymentRefunded(
                paymentID: made.payment, invoiceID: invoice, customerID: after.customerID,
                customerEmail: after.customerEmail, customerName: after.customerName,
                refundReference: made.reference, amount: made.amount, currency: after.currency, reason: made.cause,
                actor: made.actor))
        return Refunded(
            id: id, paymentID: made.payment, reference: made.reference, amount: made.amount, invoiceStatus: after.status
        )
    }

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(RefundPaymentTask.self) { task, completion in
            let made: Made
            do {
                made = try await make(
                    task.paymentID, amount: nil, cause: task.cause, actor: "billing", note: nil, on: completion.database
                )
            } catch Refusal.amount(left: 0) {
                return  // refunded already
            } catch Refusal.provider(.unavailable(let message)) {
                throw PaymentError.unavailable(message)
            } catch {
                throw PermanentTaskFailure("\(error)")
            }
            try await completion.finish { transaction in _ = try await record(made, in: transaction) }
        }
    }
}
