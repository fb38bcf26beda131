import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// Orders paid for whose account provisioning gave up on: billing stops charging for what
/// it never delivered. The subscription ends (`undelivered`), its open invoices are
/// cancelled and every payment on it is refunded by a retried task, keyed by the payment.
/// The failure can arrive before the order's `order.paid` made the subscription, so it is
/// recorded first and applied by whichever of the two comes second.
enum UndeliveredOrders {
    /// Records `order` as undelivered and ends its subscription if it has one.
    static func report(_ order: UUID, reason: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            INSERT INTO undelivered_orders (order_id, reason) VALUES (\(order), \(reason)) ON CONFLICT DO NOTHING
            """)
        try await end(order, in: transaction)
    }

    /// Ends the subscription of `order` if the order was reported undelivered.
    static func end(_ order: UUID, in transaction: Transaction) async throws {
        let ended = try await transaction.query(
            """
            UPDATE subscriptions s SET status = 'cancelled', end_reason = 'undelivered', cancelled_at = now(), cancel_on = current_date,
                cancel_requested_by = 'billing', updated_at = now()
            FROM undelivered_orders u
            WHERE u.order_id = s.order_id AND s.order_id = \(order) AND s.status IN ('active', 'suspended')
            RETURNING s.id, s.customer_id, s.domain
            """)
        for row in ended {
            let (subscription, customer, domain) = try row.decode((UUID, UUID, String?).self)
            try await transaction.query(
                """
                UPDATE invoices SET status = 'cancelled', next_charge_on = NULL WHERE subscription_id = \(subscription) AND status = 'open'
                """)
            let payments = try await transaction.query(
                """
                SELECT p.id FROM payments p JOIN invoices i ON i.id = p.invoice_id
                WHERE i.subscription_id = \(subscription) AND p.amount > p.refunded
                """)
            for payment in payments {
                let id = try payment.decode(UUID.self)
                try await transaction.enqueue(
                    RefundPaymentTask(paymentID: id, cause: .undelivered), dedupeKey: "refund-undelivered-\(id)")
            }
            try await transaction.publish(
                SubscriptionCancelled(
                    subscriptionID: subscription, customerID: customer, accountID: nil,
                    domain: domain, actor: "billing"))
        }
    }
}
