import Contracts
import Foundation
import Payments
import Persistence
import PostgresNIO
import ServiceKit
import Tasks

/// Refund a payment that should not have happened, in full.
struct RefundStrayPaymentTask: TaskPayload {
    static let taskType = "refund-stray-payment"
    static let maxAttempts = 12
    let paymentIntent: String
    enum CodingKeys: String, CodingKey { case paymentIntent = "payment_intent" }
}

/// Payments no order should keep: a second payment for a paid order, a wrong amount, a
/// payment for an order that had ended. Each is recorded once (the payment is the key),
/// refunded through the provider under an `Idempotency-Key` of the payment, and reported
/// with `order.payment-refunded`, which tells the customer and the operator.
struct StrayPayments: Sendable {
    let gateway: any PaymentGateway

    /// Records the payment and queues its refund, in the webhook's transaction; a payment
    /// recorded before queues nothing.
    static func record(_ intent: PaymentIntent, order: UUID, reason: RefundReason, in transaction: Transaction)
        async throws
    {
        transaction.logger.error(
            "payment refused: refunding it",
            metadata: [
                "order": "\(order)", "intent": "\(intent.id)", "reason": "\(reason.rawValue)",
            ])
        let recorded = try await transaction.query(
            """
            INSERT INTO stray_payments (payment_intent, order_id, amount, currency, reason)
            VALUES (\(intent.id), \(order), \(intent.amount), \(intent.currency.uppercased()), \(reason.rawValue))
            ON CONFLICT (payment_intent) DO NOTHING RETURNING payment_intent
            """)
        guard !recorded.isEmpty else { return }
        try await transaction.enqueue(
            RefundStrayPaymentTask(paymentIntent: intent.id), dedupeKey: "refund-\(intent.id)")
    }

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(RefundStrayPaymentTask.self) { task, completion in
            guard
                let row = try await completion.database.query(
                    """
                    SELECT s.order_id, s.amount, s.currency, s.reason, c.email, c.name
                    FROM stray_payments s JOIN orders o ON o.id = s.order_id JOIN customers c ON c.id = o.customer_id
                    WHERE s.payment_intent = \(task.paymentIntent) AND s.refunded_at IS NULL
                    """
                ).first
            else { return }
            let (order, amount, currency, reasonText, email, name) = try row.decode(
                (UUID, Int, String, String, String, String).self)
            guard let reason = RefundReason(rawValue: reasonText) else {
                throw PermanentTaskFailure("unknown reason \(reasonText)")
            }
            let refund: PaymentRefund
            do {
                refund = try await gateway.refund(
                    payment: task.paymentIntent, amount: amount, idempotencyKey: "refund-\(task.paymentIntent)")
            } catch PaymentError.invalid(let message) {
                throw PermanentTaskFailure(message)
            }
            try await completion.finish { transaction in
                try await transaction.query(
                    """
                    UPDATE stray_payments SET refund_reference = \(refund.id), refunded_at = now() WHERE payment_intent = \(task.paymentIntent)
                    """)
                try await transaction.publish(
                    OrderPaymentRefunded(
                        orderID: order, customerEmail: email, customerName: name, paymentReference: task.paymentIntent,
                        refundReference: refund.id, amount: amount, currency: currency, reason: reason))
            }
        }
    }
}
