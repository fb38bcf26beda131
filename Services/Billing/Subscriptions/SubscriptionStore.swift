import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// The subscription and what billing knows of its order — `subscriptions`, `accounts` (which
/// account an order's subscription bills) and `undelivered_orders`: every statement that writes them.
enum SubscriptionStore {
    /// Starts the subscription `order` paid for on `start`, its first period already due
    /// `months` later; `nil` when the order has one already.
    static func start(
        _ order: OrderPaid, months: Int, renewingAt amount: Int, on start: BillingDay, in transaction: Transaction
    ) async throws -> UUID? {
        let subscription = UUID()
        let created = try await transaction.query(
            """
            INSERT INTO subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                       amount, currency, started_on, next_due)
            VALUES (\(subscription), \(order.orderID), \(order.customerID), \(order.productID), \(order.productName),
                    \(order.domain), \(order.billingCycle), \(months), \(amount), \(order.currency), \(start.description)::date,
                    (\(start.description)::date + \(months) * interval '1 month')::date)
            ON CONFLICT (order_id) DO NOTHING RETURNING id
            """)
        return created.isEmpty ? nil : subscription
    }

    /// Remembers which account `order`'s subscription bills.
    static func link(_ order: UUID, to account: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "INSERT INTO accounts (order_id, account_id) VALUES (\(order), \(account)) ON CONFLICT DO NOTHING")
    }

    /// A subscription as a plan change finds it: what it bills now, the current period and
    /// the customer's tax rate.
    struct Changeable: Sendable {
        let status: SubscriptionStatus
        let customerID: UUID
        let productID: UUID
        let productName: String
        let cycle: String
        let amount: Int
        let currency: String
        let accountID: UUID?
        let cancelling: Bool
        let domain: String?
        /// The current period, `[start, end)`, `yyyy-MM-dd`, and its days left from `day`.
        let periodStart: String
        let periodEnd: String
        let daysLeft: Int
        let daysInPeriod: Int
        let taxBasisPoints: Int
    }

    /// Locks `subscription` (of `customer` only, when given) for a plan change on `day`.
    static func lockForPlanChange(
        _ subscription: UUID, of customer: UUID?, on day: BillingDay, in transaction: Transaction
    ) async throws -> Changeable? {
        try await transaction.query(
            """
            SELECT s.status, s.customer_id, s.product_id, s.product_name, s.cycle, s.amount, s.currency, a.account_id,
                   s.cancel_on IS NOT NULL, p.start::text, p.finish::text, p.finish - \(day.description)::date,
                   p.finish - p.start, coalesce(t.basis_points, 0), s.domain
            FROM subscriptions s
            JOIN customers c ON c.id = s.customer_id
            LEFT JOIN tax_rates t ON t.country = c.country
            LEFT JOIN accounts a ON a.order_id = s.order_id
            CROSS JOIN LATERAL (
                SELECT (s.started_on + n * s.cycle_months * interval '1 month')::date AS start,
                       (s.started_on + (n + 1) * s.cycle_months * interval '1 month')::date AS finish
                FROM generate_series(0, 1200) AS n
                WHERE (s.started_on + (n + 1) * s.cycle_months * interval '1 month')::date > \(day.description)::date
                ORDER BY n LIMIT 1
            ) p
            WHERE s.id = \(subscription) AND (\(customer)::uuid IS NULL OR s.customer_id = \(customer))
            FOR UPDATE OF s
            """
        ).first.map { row in
            let (
                status, customer, product, name, cycle, amount, currency, account, cancelling, start, end, left, days,
                tax, domain
            ) = try row.decode(
                (
                    SubscriptionStatus, UUID, UUID, String, String, Int, String, UUID?, Bool, String, String, Int, Int,
                    Int, String?
                ).self)
            return Changeable(
                status: status, customerID: customer, productID: product, productName: name, cycle: cycle,
                amount: amount, currency: currency, accountID: account, cancelling: cancelling, domain: domain,
                periodStart: start,
                periodEnd: end, daysLeft: left, daysInPeriod: days, taxBasisPoints: tax)
        }
    }

    /// Bills `subscription` as `product` at `amount` from its next invoice on.
    static func changeProduct(
        _ subscription: UUID, to product: UUID, named name: String, amount: Int, in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            UPDATE subscriptions SET product_id = \(product), product_name = \(name), amount = \(amount), updated_at = now()
            WHERE id = \(subscription)
            """)
    }

    /// The account `subscription` bills, once known.
    static func account(of subscription: UUID, in transaction: Transaction) async throws -> UUID? {
        try await transaction.query(
            """
            SELECT a.account_id FROM subscriptions s JOIN accounts a ON a.order_id = s.order_id WHERE s.id = \(subscription)
            """
        ).first?.decode(UUID.self)
    }

    /// A subscription as a cancellation finds it, with whom and what it bills.
    struct Cancellable: Sendable {
        let status: SubscriptionStatus
        /// The next period's start: the first day not paid for.
        let nextDue: String
        let customerID: UUID
        let customerEmail: String
        let customerName: String
        let accountID: UUID?
        let domain: String?
        let productName: String
    }

    /// Locks `subscription` (of `customer` only, when given) for a cancellation.
    static func lockForCancellation(_ subscription: UUID, of customer: UUID?, in transaction: Transaction)
        async throws -> Cancellable?
    {
        try await transaction.query(
            """
            SELECT s.status, s.next_due::text, s.customer_id, c.email, c.name, a.account_id, s.domain, s.product_name
            FROM subscriptions s JOIN customers c ON c.id = s.customer_id LEFT JOIN accounts a ON a.order_id = s.order_id
            WHERE s.id = \(subscription) AND (\(customer)::uuid IS NULL OR s.customer_id = \(customer)) FOR UPDATE OF s
            """
        ).first.map { row in
            let (status, nextDue, owner, email, name, account, domain, product) =
                try row.decode((SubscriptionStatus, String, UUID, String, String, UUID?, String?, String).self)
            return Cancellable(
                status: status, nextDue: nextDue, customerID: owner, customerEmail: email, customerName: name,
                accountID: account, domain: domain, productName: product)
        }
    }

    /// Records that `subscription` ends on `day`, as `actor` asked.
    static func requestCancellation(_ subscription: UUID, on day: String, by actor: String, in transaction: Transaction)
        async throws
    {
        try await transaction.query(
            """
            UPDATE subscriptions SET cancel_on = \(day)::date, cancel_requested_at = now(), cancel_requested_by = \(actor),
                updated_at = now()
            WHERE id = \(subscription)
            """)
    }

    /// Takes back a live subscription's cancellation due after `today`; `false` when there is none.
    static func withdrawCancellation(_ subscription: UUID, today: BillingDay, in transaction: Transaction)
        async throws -> Bool
    {
        try await !transaction.query(
            """
            UPDATE subscriptions SET cancel_on = NULL, cancel_requested_at = NULL, cancel_requested_by = NULL, updated_at = now()
            WHERE id = \(subscription) AND status IN ('active', 'suspended') AND cancel_on > \(today.description)::date RETURNING id
            """
        ).isEmpty
    }

    /// A subscription that has just ended.
    struct Ended: Sendable {
        let id: UUID
        let customerID: UUID
        let domain: String?
        let accountID: UUID?
        /// The first day it is not billed for.
        let endsOn: String
        /// Who asked for the end, when somebody did.
        let actor: String?
    }

    /// Ends (`cancelled`) every live subscription, or `only` that one, whose cancellation is due by `day`.
    static func endCancelled(by day: BillingDay, only: UUID?, in transaction: Transaction) async throws -> [Ended] {
        try await ended(
            transaction.query(
                """
                UPDATE subscriptions s SET status = 'cancelled', end_reason = 'cancelled', cancelled_at = now(), updated_at = now()
                WHERE s.cancel_on <= \(day.description)::date AND s.status IN ('active', 'suspended')
                  AND (\(only)::uuid IS NULL OR s.id = \(only))
                RETURNING s.id, s.customer_id, s.domain, (SELECT a.account_id FROM accounts a WHERE a.order_id = s.order_id),
                          s.cancel_on::text, s.cancel_requested_by
                """))
    }

    /// Records `order` as never delivered; the first report's reason stays.
    static func recordUndelivered(_ order: UUID, reason: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            INSERT INTO undelivered_orders (order_id, reason) VALUES (\(order), \(reason)) ON CONFLICT DO NOTHING
            """)
    }

    /// Ends (`cancelled`, `undelivered`) the live subscription of `order` if it was reported undelivered.
    static func endUndelivered(_ order: UUID, in transaction: Transaction) async throws -> [Ended] {
        try await ended(
            transaction.query(
                """
                UPDATE subscriptions s SET status = 'cancelled', end_reason = 'undelivered', cancelled_at = now(), cancel_on = current_date,
                    cancel_requested_by = 'billing', updated_at = now()
                FROM undelivered_orders u
                WHERE u.order_id = s.order_id AND s.order_id = \(order) AND s.status IN ('active', 'suspended')
                RETURNING s.id, s.customer_id, s.domain, NULL::uuid, s.cancel_on::text, s.cancel_requested_by
                """))
    }

    /// Ends (`terminated`, `account_terminated`) the live subscriptions billing `account`.
    static func endForTerminatedAccount(_ account: UUID, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            """
            UPDATE subscriptions s SET status = 'terminated', end_reason = 'account_terminated', updated_at = now()
            FROM accounts a WHERE a.order_id = s.order_id AND a.account_id = \(account) AND s.status IN ('active', 'suspended')
            RETURNING s.id
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// Ends (`terminated`, `non_payment`) each of `subscriptions`.
    static func endForNonPayment(_ subscriptions: [UUID], in transaction: Transaction) async throws {
        guard !subscriptions.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE subscriptions SET status = 'terminated', end_reason = 'non_payment', updated_at = now()
            WHERE id = ANY(\(subscriptions))
            """)
    }

    /// Suspends each of `subscriptions` for non-payment.
    static func suspendForNonPayment(_ subscriptions: [UUID], in transaction: Transaction) async throws {
        guard !subscriptions.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE subscriptions SET status = 'suspended', suspended_for = 'non-payment', updated_at = now()
            WHERE id = ANY(\(subscriptions))
            """)
    }

    /// Lifts the non-payment suspension of each subscription `invoice` bills once none of its
    /// invoices that led to a suspension is still open; answers the accounts to unsuspend.
    static func reinstate(billedBy invoice: UUID, in transaction: Transaction) async throws -> [UUID] {
        try await transaction.query(
            """
            UPDATE subscriptions s SET status = 'active', suspended_for = NULL, updated_at = now()
            WHERE s.id IN (SELECT subscription_id FROM invoice_lines WHERE invoice_id = \(invoice)
                           UNION SELECT subscription_id FROM invoices WHERE id = \(invoice))
              AND s.status = 'suspended' AND s.suspended_for = 'non-payment'
              AND NOT EXISTS (SELECT 1 FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                              JOIN dunning_actions d ON d.invoice_id = i.id AND d.action = 'suspend'
                              WHERE l.subscription_id = s.id AND i.status = 'open')
            RETURNING (SELECT account_id FROM accounts a WHERE a.order_id = s.order_id)
            """
        ).compactMap { try $0.decode(UUID?.self) }
    }

    private static func ended(_ rows: [PostgresRow]) throws -> [Ended] {
        try rows.map { row in
            let (id, customer, domain, account, endsOn, actor) = try row.decode(
                (UUID, UUID, String?, UUID?, String, String?).self)
            return Ended(id: id, customerID: customer, domain: domain, accountID: account, endsOn: endsOn, actor: actor)
        }
    }
}
