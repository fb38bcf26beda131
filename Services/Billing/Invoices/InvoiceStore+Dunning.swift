import Foundation
import PostgresNIO
import ServiceKit

/// A dunning step, taken at most once per invoice (`dunning_actions`).
enum DunningStep: String, Sendable {
    case dueSoon = "due-soon"
    /// The first overdue notice.
    case overdue
    case secondNotice = "overdue-2"
    case thirdNotice = "overdue-3"
    case suspend
    case terminate

    /// The overdue notices, first to last.
    static let notices: [DunningStep] = [.overdue, .secondNotice, .thirdNotice]
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

    /// Records overdue notice `number` (1 to 3) for each open invoice at least `afterDays`
    /// past due with no charge under way and no notice from this one on: a day's run sends
    /// each invoice its most advanced notice due, once, even after days without a run.
    static func remindOverdue(
        notice number: Int, afterDays: Int, on day: BillingDay, graceDays: Int, in transaction: Transaction
    ) async throws -> [Reminded] {
        let step = DunningStep.notices[number - 1]
        let laterOrSame = DunningStep.notices[(number - 1)...].map(\.rawValue)
        return try await reminded(
            transaction.query(
                """
                WITH picked AS (
                    SELECT i.id, i.due_on FROM invoices i
                    WHERE i.status = 'open' AND NOT i.charge_pending AND i.due_on + \(afterDays)::int <= \(day.description)::date
                      AND NOT EXISTS (
                          SELECT 1 FROM dunning_actions d WHERE d.invoice_id = i.id AND d.action = ANY(\(laterOrSame)))
                ), acted AS (
                    INSERT INTO dunning_actions (invoice_id, action, taken_on)
                    SELECT id, \(step.rawValue), \(day.description)::date FROM picked ON CONFLICT DO NOTHING
                    RETURNING invoice_id
                )
                SELECT p.id, \(day.description)::date - p.due_on, (p.due_on + \(graceDays)::int)::text
                FROM picked p JOIN acted a ON a.invoice_id = p.id
                """))
    }

    /// Issues a late fee for each period invoice still open `afterDays` past due that has none
    /// yet: an invoice of its own (the overdue one is never edited), numbered with the others,
    /// made out to the customer's profile, due at once. Answers the fee invoices.
    static func chargeLateFees(
        _ fee: LateFee, afterDays: Int, on day: BillingDay, in transaction: Transaction
    ) async throws -> [UUID] {
        let (fixed, basisPoints): (Int, Int) =
            switch fee {
            case .fixed(let amount): (amount, 0)
            case .share(let basisPoints): (0, basisPoints)
            }
        return try await transaction.query(
            """
            WITH picked AS (
                SELECT i.id, i.number, i.subscription_id, i.customer_id, i.currency, i.due_on,
                       CASE WHEN \(basisPoints)::int > 0 THEN round(i.total * \(basisPoints)::int / 10000.0)::int ELSE \(fixed)::int END AS fee
                FROM invoices i
                WHERE i.kind = 'period' AND i.status = 'open' AND i.due_on + \(afterDays)::int <= \(day.description)::date
                  AND NOT EXISTS (SELECT 1 FROM invoices f WHERE f.late_fee_for = i.id)
            ), numbered AS (
                SELECT picked.*, gen_random_uuid() AS fee_id,
                       invoice_number((SELECT last FROM invoice_counter) + row_number() OVER (ORDER BY due_on, number)) AS fee_number
                FROM picked WHERE fee > 0
            ), bumped AS (
                UPDATE invoice_counter SET last = last + (SELECT count(*) FROM numbered)
            ), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, bill_to, kind, late_fee_for)
                SELECT n.fee_id, n.fee_number, n.subscription_id, n.customer_id, \(day.description)::date, \(day.description)::date,
                       \(day.description)::date, \(day.description)::date, n.fee, 0, n.fee, n.currency, bill_to(c), 'late-fee', n.id
                FROM numbered n JOIN customers c ON c.id = n.customer_id
            ), lines AS (
                INSERT INTO invoice_lines (invoice_id, position, description, amount)
                SELECT fee_id, 1, 'Late fee for invoice ' || number || ', unpaid since ' || due_on, fee FROM numbered
            )
            SELECT fee_id FROM numbered
            """
        ).map { try $0.decode(UUID.self) }
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

    /// For each subscription in one of `statuses`, its oldest open invoice with a line for it, no
    /// charge under way or still to make by `day`, that fell due `days` or more before `day`
    /// (`only`: just that invoice).
    static func unpaid(
        forDays days: Int, on day: BillingDay, subscriptions statuses: [SubscriptionStatus], only: UUID? = nil,
        in transaction: Transaction
    ) async throws -> [Unpaid] {
        try await transaction.query(
            """
            SELECT DISTINCT ON (s.id) i.id, s.id, a.account_id
            FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id JOIN subscriptions s ON s.id = l.subscription_id
            LEFT JOIN accounts a ON a.order_id = s.order_id
            WHERE i.status = 'open' AND NOT i.charge_pending AND s.status = ANY(\(statuses.map(\.rawValue)))
              -- A charge attempt planned for the day or before and not yet made decides first (its
              -- decline suspends as of its day): the day's invoicing, which claims it, may run later.
              AND (i.next_charge_on IS NULL OR i.next_charge_on > \(day.description)::date)
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
