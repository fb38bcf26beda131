import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// When a cancellation takes effect.
enum CancellationTime: String, Codable, Sendable {
    case now
    case endOfTerm = "end_of_term"
}

/// Cancelling subscriptions: asked for now or at the end of the paid term, taken into effect
/// by the daily run (or at once), which ends the subscription, terminates its account and
/// cancels the invoices of periods from that day; arrears stay due.
struct Cancellations: Sendable {
    struct Requested: Encodable {
        let subscriptionID: UUID
        let effectiveOn: String
        let status: SubscriptionStatus
        enum CodingKeys: String, CodingKey {
            case subscriptionID = "subscription_id"
            case effectiveOn = "effective_on"
            case status
        }
    }

    /// Records the request for `subscription` (of `customer`, when a customer asks) and, for
    /// `.now`, ends it at once. 404 for another customer's, 409 for one that has ended.
    func request(
        _ subscription: UUID, of customer: UUID?, when: CancellationTime, actor: String, today: BillingDay,
        in transaction: Transaction
    ) async throws -> Requested {
        guard
            let row = try await transaction.query(
                """
                SELECT s.status, s.next_due::text, s.customer_id, c.email, c.name, a.account_id, s.domain, s.product_name
                FROM subscriptions s JOIN customers c ON c.id = s.customer_id LEFT JOIN accounts a ON a.order_id = s.order_id
                WHERE s.id = \(subscription) AND (\(customer)::uuid IS NULL OR s.customer_id = \(customer)) FOR UPDATE OF s
                """
            ).first
        else { throw CancellationRefusal.noSuchSubscription }
        let (status, nextDue, owner, email, name, account, domain, product) =
            try row.decode((SubscriptionStatus, String, UUID, String, String, UUID?, String?, String).self)
        guard status.isLive else { throw CancellationRefusal.ended(status) }
        // The end of the term is the first day not paid for: the next period's start.
        let effective = when == .now ? today.description : nextDue
        _ = try await transaction.query(
            """
            UPDATE subscriptions SET cancel_on = \(effective)::date, cancel_requested_at = now(), cancel_requested_by = \(actor),
                updated_at = now()
            WHERE id = \(subscription)
            """)
        try await transaction.publish(
            SubscriptionCancellationRequested(
                subscriptionID: subscription, customerID: owner, customerEmail: email, customerName: name,
                accountID: account, domain: domain,
                productName: product, effectiveOn: effective, actor: actor))
        if when == .now { _ = try await apply(on: today, only: subscription, in: transaction) }
        return Requested(
            subscriptionID: subscription, effectiveOn: effective, status: when == .now ? .cancelled : status)
    }

    /// Takes back a cancellation not yet in effect; 404 when there is none.
    func withdraw(_ subscription: UUID, today: BillingDay, in transaction: Transaction) async throws {
        guard
            try await !transaction.query(
                """
                UPDATE subscriptions SET cancel_on = NULL, cancel_requested_at = NULL, cancel_requested_by = NULL, updated_at = now()
                WHERE id = \(subscription) AND status IN ('active', 'suspended') AND cancel_on > \(today.description)::date RETURNING id
                """
            ).isEmpty
        else { throw CancellationRefusal.nothingPending }
    }

    /// Ends every subscription (or `only` that one) whose cancellation is due by `day`; returns how many.
    func apply(on day: BillingDay, only: UUID? = nil, in transaction: Transaction) async throws -> Int {
        let ended = try await transaction.query(
            """
            UPDATE subscriptions s SET status = 'cancelled', end_reason = 'cancelled', cancelled_at = now(), updated_at = now()
            WHERE s.cancel_on <= \(day.description)::date AND s.status IN ('active', 'suspended')
              AND (\(only)::uuid IS NULL OR s.id = \(only))
            RETURNING s.id, s.customer_id, s.domain, s.cancel_on::text, s.cancel_requested_by,
                      (SELECT a.account_id FROM accounts a WHERE a.order_id = s.order_id)
            """)
        for row in ended {
            let (subscription, customer, domain, cancelOn, actor, account) =
                try row.decode((UUID, UUID, String?, String, String?, UUID?).self)
            _ = try await transaction.query(
                """
                UPDATE invoices SET status = 'cancelled', next_charge_on = NULL
                WHERE subscription_id = \(subscription) AND status = 'open' AND period_start >= \(cancelOn)::date
                """)
            if let account {
                try await transaction.send(TerminateAccount(accountID: account, actor: actor ?? "customer"))
            }
            try await transaction.publish(
                SubscriptionCancelled(
                    subscriptionID: subscription, customerID: customer, accountID: account,
                    domain: domain, actor: actor ?? "customer"))
        }
        return ended.count
    }
}

/// Why a cancellation was refused.
enum CancellationRefusal: Error, Equatable {
    /// No such subscription, or another customer's.
    case noSuchSubscription
    /// The subscription has already ended.
    case ended(SubscriptionStatus)
    /// There is no cancellation still to take effect.
    case nothingPending
}
