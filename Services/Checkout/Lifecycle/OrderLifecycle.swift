import Contracts
import Foundation
import Payments
import PostgresNIO
import ServiceKit
import Tasks

/// Cancel an expired order's PaymentIntent at the provider, so it can no longer be paid.
struct CancelPaymentTask: TaskPayload {
    static let taskType = "cancel-payment"
    static let maxAttempts = 10
    let orderID: UUID
    let paymentIntent: String
    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case paymentIntent = "payment_intent"
    }
}

/// How orders end: a paid one's work is finished when its account is made (or given up
/// on), unpaid ones expire on the `order-expiry` schedule (cancelled with their
/// PaymentIntent), paid ones close when their account is terminated; either frees the domain.
struct OrderLifecycle: Sendable {
    let gateway: any PaymentGateway
    /// How long an order waits for its payment.
    let expiry: Duration

    func register(in definition: inout ServiceDefinition) {
        let expiry = expiry
        definition.handlers.on(TimerFired.self) { event, transaction in
            guard event.schedule == "order-expiry" else { return }
            // Against the slot's time, not the clock's: a late or replayed slot expires the same orders.
            let cutoff = event.slot.addingTimeInterval(-Double(expiry.components.seconds))
            for order in try await OrderStore.expire(placedBefore: cutoff, in: transaction) {
                try await transaction.publish(
                    OrderCancelled(
                        orderID: order.id, customerID: order.customerID, domain: order.domain, reason: "expired"))
                if let intent = order.paymentIntent {
                    _ = try await transaction.enqueue(
                        CancelPaymentTask(orderID: order.id, paymentIntent: intent),
                        dedupeKey: "cancel-payment-\(order.id.uuidString.lowercased())")
                }
            }
        }
        // The work a paid order asked for is over, made or given up on: it leaves the backlog.
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            try await OrderStore.finish(event.orderID, in: transaction)
        }
        definition.handlers.on(AccountProvisioningFailed.self) { event, transaction in
            try await OrderStore.finish(event.orderID, in: transaction)
        }
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            try await OrderStore.close(paidFor: event.domain, in: transaction)
        }
        definition.tasks.register(CancelPaymentTask.self) { task, completion in
            do {
                _ = try await gateway.cancelPayment(task.paymentIntent, idempotencyKey: "cancel-\(task.paymentIntent)")
            } catch PaymentError.invalid(let reason) {
                // Paid meanwhile (or unknown there): the payment's webhook finds the order cancelled.
                completion.logger.warning(
                    "payment not cancelled", metadata: ["order": "\(task.orderID)", "reason": "\(reason)"])
            }
        }
    }
}
