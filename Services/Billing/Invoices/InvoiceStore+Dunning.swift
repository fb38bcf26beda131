import Foundation
import PostgresNIO
import ServiceKit

/// A dunning step, taken at most once per invoice (`dunning_actions`).
enum DunningStep: String, Sendable {
    case dueSoon = "due-soon"
    case overdue
    case suspend
    case terminate
}

extension InvoiceStore {
    /// An invoice a reminder was just recorded for.
    struct Reminded: Sendable {
        let invoiceID: UUID
        /// Negative before the due date.
        let daysPastDue: Int
        let suspendsOn: String
    }

    /// Records a `due-soon` reminder for each open invoice nobody will charge that falls due
    /// within `withinDays` of `day`; answers the invoices reminded now (not before).
    static func remindDueSoon(on day: BillingDay, withinDays: Int, graceDays: Int, in transaction: Transaction)
        async throws -> [Reminded]
    {
        try await reminded(
            transaction.query(
                """
                WITH picked AS (
                    SELECT id, due_on FROM invoices
                    WHERE status = 'open' AND NOT charge_pending AND next_charge_on IS NULL AND charge_attempts = 0
                      AND due_on > \(day.description)::date AND due_on - \(day.description)::date <= \(withinDays)
                ), acted AS (
                    INSERT INTO dunning_actions (invoice_id, action, taken_on)
                    SELECT id, \(DunningStep.dueSoon.rawValue), \(day.description)::date FROM picked ON CONFLICT DO NOTHING
                    RETURNING invoice_id
                )
                SELECT p.id, \(day.description)::date - p.due_on, (p.due_on + \(graceDays)::int)::text
                FROM picked p JOIN acted a ON a.invoice_id = p.id
                """))
    }

    /// Records an `overdue` notice for each open invoice past its due date with no charge under way.
    static func remindOverdue(on day: BillingDay, graceDays: Int, in transaction: Transaction) async throws
        -> [Reminded]
    {
        try await reminded(
            transaction.query(
                """
                WITH picked AS (
                    SELECT id, due_on FROM invoices
                    WHERE status = 'open' AND NOT charge_pending AND due_on < \(day.description)::date
                ), acted AS (
                    INSERT INTO dunning_actions (invoice_id, action, taken_on)
                    SELECT id, \(DunningStep.overdue.rawValue), \(day.description)::date FROM picked ON CONFLICT DO NOTHING
                    RETURNING invoice_id
                )
                SELECT p.id, \(day.description)::date - p.due_on, (p.due_on + \(graceDays)::int)::text
                FROM picked p JOIN acted a ON a.invoice_id = p.id
                """))
    }

    private static func reminded(_ rows: [PostgresRow]) throws -> [Reminded] {
        try rows.map { row in
            let (id, days, suspends) = try row.decode((UUID, Int, String).self)
            return Reminded(invoiceID: id, daysPastDue: days, suspendsOn: suspends)
        }
    }

    /// A subscription's oldest open invoice left unpaid too long, and the account it bills.
    struct Unpaid: Sendable {
        let invoiceID: UUID
        let subscriptionID: UUID
        let accountID: UUID?
    }

    /// For each subscription in one of `statuses`, its oldest open invoice with no charge
    /// under way that fell due `days` or more before `day` (`only`: just that invoice).
    static func unpaid(
        forDays days: Int, on day: BillingDay, subscriptions statuses: [SubscriptionStatus], only: UUID? = nil,
        in transaction: Transaction
    ) async throws -> [Unpaid] {
        try await transaction.query(
            """
            SELECT DISTINCT ON (s.id) i.id, s.id, a.account_id
            FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id LEFT JOIN accounts a ON a.order_id = s.order_id
            WHERE i.status = 'open' AND NOT i.charge_pending AND s.status = ANY(\(statuses.map(\.rawValue)))
              AND i.kind = 'period' -- an unpaid upgrade lapses; it never suspends what was paid for
              AND i.due_on + \(days)::int <= \(day.description)::date AND (\(only)::uuid IS NULL OR i.id = \(only))
            ORDER BY s.id, i.due_on
            """
        ).map { row in
            let (invoice, subscription, account) = try row.decode((UUID, UUID, UUID?).self)
            return Unpaid(invoiceID: invoice, subscriptionID: subscription, accountID: account)
        }
    }

    /// Records `step` as taken on `day` for each of `invoices` not already at it.
    static func record(_ step: DunningStep, for invoices: [UUID], on day: BillingDay, in transaction: Transaction)
        async throws
    {
        guard !invoices.isEmpty else { return }
        try await transaction.query(
            """
            INSERT INTO dunning_actions (invoice_id, action, taken_on)
            SELECT unnest(\(invoices)::uuid[]), \(step.rawValue), \(day.description)::date ON CONFLICT DO NOTHING
            """)
    }
}
