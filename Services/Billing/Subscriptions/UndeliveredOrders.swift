import Contracts
import Foundation
import ServiceKit

/// Orders paid for whose account provisioning gave up on: billing stops charging for what
/// it never delivered. The subscription ends (`undelivered`), its open invoices are
/// cancelled and every payment on it is refunded by a retried task, keyed by the payment.
/// The failure can arrive before the order's `order.paid` made the subscription, so it is
/// recorded first and applied by whichever of the two comes second.
enum UndeliveredOrders {
    /// Records `order` as undelivered and ends its subscription if it has one.
    static func report(_ order: UUID, reason: String, in transaction: Transaction) async throws {
        try await SubscriptionStore.recordUndelivered(order, reason: reason, in: transaction)
        try await end(order, in: transaction)
    }

    /// Ends the subscription of `order` if the order was reported undelivered.
    static func end(_ order: UUID, in transaction: Transaction) async throws {
        for subscription in try await SubscriptionStore.endUndelivered(order, in: transaction) {
            try await InvoiceStore.cancelOpen(of: [subscription.id], in: transaction)
            for payment in try await PaymentStore.unrefunded(of: subscription.id, in: transaction) {
                try await transaction.enqueue(
                    RefundPaymentTask(paymentID: payment, cause: .undelivered),
                    dedupeKey: "refund-undelivered-\(payment)")
            }
            try await transaction.publish(
                SubscriptionCancelled(
                    subscriptionID: subscription.id, customerID: subscription.customerID, accountID: nil,
                    domain: subscription.domain, actor: "billing"))
        }
    }
}
