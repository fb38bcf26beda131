import Contracts
import Foundation
import PostgresNIO
import ServiceKit

extension InvoiceStore {
    /// An open invoice to reissue: nothing paid on it, no charge under way.
    struct Shared: Sendable {
        let id: UUID
        let number: String
        let customerID: UUID
        let total: Int
        let currency: String
    }

    /// The open invoices nothing was paid on that bill one of `ended` (for periods from `day`
    /// on, when given) beside a subscription that goes on, locked until the transaction ends.
    static func shared(with ended: [UUID], periodsFrom day: String?, in transaction: Transaction) async throws
        -> [Shared]
    {
        try await transaction.query(
            """
            SELECT i.id, i.number, i.customer_id, i.total, i.currency FROM invoices i
            WHERE i.status = 'open' AND i.amount_paid = 0 AND NOT i.charge_pending
              AND (\(day)::date IS NULL OR i.period_start >= \(day)::date)
              AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.subscription_id = ANY(\(ended)))
              AND EXISTS (SELECT 1 FROM invoice_lines l JOIN subscriptions s ON s.id = l.subscription_id
                          WHERE l.invoice_id = i.id AND l.period_start IS NOT NULL AND l.subscription_id <> ALL(\(ended))
                            AND s.status IN ('active', 'suspended'))
            ORDER BY i.number FOR UPDATE
            """
        ).map { row in
            let (id, number, customer, total, currency) = try row.decode((UUID, String, UUID, Int, String).self)
            return Shared(id: id, number: number, customerID: customer, total: total, currency: currency)
        }
    }

    /// Cancels `old` and issues `new` in its place for the period lines of the subscriptions
    /// not in `ended`: numbered next, the same due date, charge day and bill-to, issued on
    /// `day`, tax at the customer's rate on its own lines. Answers its event.
    static func reissue(
        _ old: UUID, as new: UUID, without ended: [UUID], reason: String, inclusive: Bool, on day: BillingDay,
        in transaction: Transaction
    ) async throws -> InvoiceCreated? {
        // Two statements: the old lines give up their periods before the new ones take them.
        try await transaction.query(
            """
            WITH cancelled AS (
                UPDATE invoices SET status = 'cancelled', voided_at = now(), voided_by = 'billing', void_reason = \(reason)
                WHERE id = \(old)
            )
            UPDATE invoice_lines SET replaced = true WHERE invoice_id = \(old)
            """)
        return try await transaction.query(
            """
            WITH before AS (
                SELECT * FROM invoices WHERE id = \(old)
            ), cleared AS (
                UPDATE invoices SET next_charge_on = NULL WHERE id = \(old)
            ), kept AS (
                SELECT l.*, s.order_id, s.domain, row_number() OVER (ORDER BY l.position) AS renumbered
                FROM invoice_lines l JOIN subscriptions s ON s.id = l.subscription_id
                WHERE l.invoice_id = \(old) AND l.period_start IS NOT NULL AND l.subscription_id <> ALL(\(ended))
                  AND s.status IN ('active', 'suspended')
            ), rate AS (
                SELECT CASE WHEN c.reverse_charge THEN 0 ELSE coalesce(t.basis_points, 0) END AS bp,
                       coalesce(t.name, 'Tax') AS name, c.reverse_charge, c.email, c.name AS customer_name,
                       c.payment_customer IS NOT NULL AND c.payment_method IS NOT NULL AS auto
                FROM customers c LEFT JOIN tax_rates t ON t.country = c.country
                WHERE c.id = (SELECT customer_id FROM before)
            ), sums AS (
                SELECT sum(amount)::int AS lines_total, count(*)::int AS lines, max(period_end) AS period_end,
                       (array_agg(subscription_id))[1] AS only_subscription
                FROM kept
            ), priced AS (
                SELECT sums.*, rate.*, tax_of(lines_total, bp, \(inclusive)) AS tax,
                       lines_total - CASE WHEN \(inclusive) THEN tax_of(lines_total, bp, true) ELSE 0 END AS subtotal
                FROM sums, rate
            ), counter AS (
                UPDATE invoice_counter SET last = last + 1 RETURNING last
            ), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, next_charge_on, bill_to)
                SELECT \(new), invoice_number(counter.last), CASE WHEN p.lines = 1 THEN p.only_subscription END, b.customer_id,
                       b.period_start, p.period_end, \(day.description)::date, b.due_on, p.subtotal, p.tax, p.subtotal + p.tax,
                       b.currency, b.next_charge_on, b.bill_to
                FROM before b, priced p, counter
                RETURNING number
            ), lines AS (
                INSERT INTO invoice_lines (invoice_id, position, description, amount, subscription_id, period_start, period_end)
                SELECT \(new), renumbered, description, amount, subscription_id, period_start, period_end FROM kept
                UNION ALL
                SELECT \(new), lines + 1, tax_line(name, bp, \(inclusive)), tax, NULL, NULL, NULL FROM priced WHERE bp > 0
                UNION ALL
                SELECT \(new), lines + 1, \(Self.reverseChargeLine), 0, NULL, NULL, NULL FROM priced WHERE reverse_charge
            )
            SELECT \(new), (SELECT number FROM inserted), b.customer_id, p.email, p.customer_name, p.subtotal + p.tax, b.currency,
                   b.due_on::text, b.period_start::text, p.period_end::text, p.auto,
                   (SELECT json_agg(json_build_object('subscription_id', k.subscription_id, 'account_id', a.account_id,
                                                      'domain', k.domain, 'description', k.description, 'amount', k.amount,
                                                      'period_start', k.period_start::text, 'period_end', k.period_end::text)
                                    ORDER BY k.renumbered)
                    FROM kept k LEFT JOIN accounts a ON a.order_id = k.order_id)::text
            FROM before b, priced p
            """
        ).first.map(Self.created(_:))
    }
}
