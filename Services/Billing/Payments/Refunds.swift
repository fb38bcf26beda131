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
        guard
            let row = try await database.query(
                """
                SELECT method, reference, amount - refunded, refunded FROM payments WHERE id = \(payment)
                """
            ).first
        else { throw Refusal.unknownPayment }
        let (method, reference, left, refundedBefore) = try row.decode((String, String, Int, Int).self)
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
        guard
            try await !transaction.query(
                """
                INSERT INTO refunds (id, payment_id, reference, amount, reason, cause, actor)
                VALUES (\(id), \(made.payment), \(made.reference), \(made.amount), \(made.note), \(made.cause.rawValue), \(made.actor))
                ON CONFLICT (reference) DO NOTHING RETURNING id
                """
            ).isEmpty
        else { return nil }
        guard
            let row = try await transaction.query(
                """
                WITH p AS (UPDATE payments SET refunded = refunded + \(made.amount) WHERE id = \(made.payment) RETURNING invoice_id)
                UPDATE invoices i SET status = CASE
                    WHEN (SELECT sum(amount - refunded) FROM payments WHERE invoice_id = i.id) - \(made.amount) <= 0 THEN 'refunded'
                    ELSE status END
                FROM p, customers c WHERE i.id = p.invoice_id AND c.id = i.customer_id
                RETURNING i.status, i.id, i.currency, c.id, c.email, c.name
                """
            ).first
        else { return nil }
        let (status, invoice, currency, customer, email, name) = try row.decode(
            (InvoiceStatus, UUID, String, UUID, String, String).self)
        try await transaction.publish(
            PaymentRefunded(
                paymentID: made.payment, invoiceID: invoice, customerID: customer, customerEmail: email,
                customerName: name,
                refundReference: made.reference, amount: made.amount, currency: currency, reason: made.cause,
                actor: made.actor))
        return Refunded(
            id: id, paymentID: made.payment, reference: made.reference, amount: made.amount, invoiceStatus: status)
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
