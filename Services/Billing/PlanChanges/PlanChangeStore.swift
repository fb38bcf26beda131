import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// Plan changes — `plan_changes`: every statement that writes it.
enum PlanChangeStore {
    /// Records a change; `false` when another change of the subscription waits for its payment.
    static func record(
        _ id: UUID, _ quote: PlanChangeQuote, invoice: UUID?, status: PlanChangeStatus, actor: String,
        in transaction: Transaction
    ) async throws -> Bool {
        try await !transaction.query(
            """
            INSERT INTO plan_changes (id, subscription_id, direction, from_product_id, to_product_id, to_product_name, to_plan,
                                      to_limits, old_amount, new_amount, prorated, days_left, days_in_period, invoice_id,
                                      status, actor, applied_at)
            VALUES (\(id), \(quote.subscriptionID), \(quote.direction.rawValue), \(quote.fromProductID), \(quote.toProductID),
                    \(quote.toProductName), \(quote.toPlan), \(Self.json(quote.toLimits)), \(quote.oldAmount), \(quote.newAmount),
                    \(quote.prorated),
                    \(quote.daysLeft), \(quote.daysInPeriod), \(invoice), \(status.rawValue), \(actor),
                    CASE WHEN \(status.rawValue) = 'applied' THEN now() END)
            ON CONFLICT (subscription_id) WHERE status = 'awaiting-payment' DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    static func isWaiting(_ subscription: UUID, in transaction: Transaction) async throws -> Bool {
        try await !transaction.query(
            "SELECT 1 FROM plan_changes WHERE subscription_id = \(subscription) AND status = 'awaiting-payment'"
        ).isEmpty
    }

    /// An upgrade whose invoice was just paid, now applied.
    struct Paid: Sendable {
        let subscriptionID: UUID
        let productID: UUID
        let productName: String
        let plan: String
        let limits: AccountLimits
        let amount: Int
    }

    /// The limits as kept in `to_limits`.
    static func json(_ limits: AccountLimits) -> String? {
        (try? JSONEncoder().encode(limits)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Applies the upgrade `invoice` paid for, once; `nil` when it paid for none.
    static func applyPaid(_ invoice: UUID, in transaction: Transaction) async throws -> Paid? {
        try await transaction.query(
            """
            UPDATE plan_changes SET status = 'applied', applied_at = now()
            WHERE invoice_id = \(invoice) AND status = 'awaiting-payment'
            RETURNING subscription_id, to_product_id, to_product_name, to_plan, to_limits, new_amount
            """
        ).first.map { row in
            let (subscription, product, name, plan, limits, amount) = try row.decode(
                (UUID, UUID, String, String, String?, Int).self)
            return Paid(
                subscriptionID: subscription, productID: product, productName: name, plan: plan,
                limits: limits.flatMap { try? JSONDecoder().decode(AccountLimits.self, from: Data($0.utf8)) }
                    ?? AccountLimits(), amount: amount)
        }
    }

    /// Marks lapsed the upgrades whose invoices were cancelled unpaid.
    static func lapse(invoices: [UUID], in transaction: Transaction) async throws {
        guard !invoices.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE plan_changes SET status = 'lapsed' WHERE invoice_id = ANY(\(invoices)) AND status = 'awaiting-payment'
            """)
    }
}
