import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// A day's invoicing, set-based: every period that comes due within the lead time is
/// invoiced (numbers without gaps, one invoice per subscription and period), and the
/// charges due that day are queued as tasks.
struct Invoicing: Sendable {
    let settings: BillingSettings

    struct Outcome: Sendable, Codable {
        var invoicesCreated = 0
        var chargesQueued = 0
        enum CodingKeys: String, CodingKey {
            case invoicesCreated = "invoices_created"
            case chargesQueued = "charges_queued"
        }
    }

    func run(on day: BillingDay, trigger: String, in transaction: Transaction) async throws -> Outcome {
        let (connection, logger) = (transaction.connection, transaction.logger)
        try await BillingLock.take(on: connection, logger: logger)
        var outcome = Outcome()
        guard let run = try await BillingRun.start(.invoicing, on: day, trigger: trigger, in: transaction) else {
            return outcome
        }
        // A subscription behind by several periods (billing was down) gets one per pass.
        for _ in 0..<24 {
            let created = try await issueDueInvoices(on: day, connection: connection, logger: logger)
            guard !created.isEmpty else { break }
            try await transaction.publish(contentsOf: created)
            outcome.invoicesCreated += created.count
            // Credit pays first: a covered invoice is paid before any charge is queued for it.
            _ = try await CustomerCredit(ledger: PaymentLedger(settings: settings)).apply(
                to: created.map(\.invoice.invoiceID), in: transaction)
        }
        outcome.chargesQueued = try await queueCharges(on: day, in: transaction)
        try await transaction.query(
            """
            UPDATE runs SET invoices_created = \(outcome.invoicesCreated), charges_queued = \(outcome.chargesQueued), finished_at = now()
            WHERE id = \(run)
            """)
        return outcome
    }

    private func issueDueInvoices(on day: BillingDay, connection: PostgresConnection, logger: Logger) async throws
        -> [InvoiceCreated]
    {
        let rows = try await connection.query(
            """
            WITH due AS (
                SELECT s.id, s.order_id, s.customer_id, s.periods, s.next_due, s.amount, s.currency, s.product_name, s.domain,
                       s.cycle_months, s.started_on, c.payment_customer IS NOT NULL AND c.payment_method IS NOT NULL AS auto,
                       coalesce(t.basis_points, 0) AS tax_bp, coalesce(t.name, 'Tax') AS tax_name,
                       row_number() OVER (ORDER BY s.next_due, s.id) AS n
                FROM subscriptions s JOIN customers c ON c.id = s.customer_id LEFT JOIN tax_rates t ON t.country = c.country
                WHERE s.status IN ('active', 'suspended') AND s.next_due <= \(day.description)::date + \(settings.invoiceDaysBefore)::int
                  AND (s.cancel_on IS NULL OR s.next_due < s.cancel_on)
            ), numbered AS (
                SELECT due.*, gen_random_uuid() AS invoice_id,
                       invoice_number((SELECT last FROM invoice_counter) + n) AS number,
                       (started_on + (periods + 1) * cycle_months * interval '1 month')::date AS period_end,
                       round(amount * tax_bp / 10000.0)::int AS tax
                FROM due
            ), bumped AS (
                UPDATE invoice_counter SET last = last + (SELECT count(*) FROM numbered)
            ), advanced AS (
                UPDATE subscriptions s SET periods = s.periods + 1, next_due = n.period_end, updated_at = now()
                FROM numbered n WHERE s.id = n.id
            ), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, next_charge_on)
                SELECT invoice_id, number, id, customer_id, next_due, period_end, \(day.description)::date, next_due,
                       amount, tax, amount + tax, currency, CASE WHEN auto THEN next_due END
                FROM numbered
            ), lines AS (
                INSERT INTO invoice_lines (invoice_id, position, description, amount)
                SELECT invoice_id, 1, period_line(product_name, domain, next_due, period_end), amount
                FROM numbered
                UNION ALL
                SELECT invoice_id, 2, tax_name || ' ' || (tax_bp / 100.0)::numeric(5, 2) || '%', tax FROM numbered WHERE tax_bp > 0
            )
            SELECT n.invoice_id, n.number, n.customer_id, c.email, c.name, a.account_id, n.domain, n.amount + n.tax, n.currency,
                   n.next_due::text, n.period_end::text, n.auto
            FROM numbered n JOIN customers c ON c.id = n.customer_id LEFT JOIN accounts a ON a.order_id = n.order_id
            ORDER BY n.n
            """, logger: logger)
        var events: [InvoiceCreated] = []
        for try await row in rows {
            let (id, number, customer, email, name, account, domain, total, currency, due, end, auto) =
                try row.decode(
                    (UUID, String, UUID, String, String, UUID?, String?, Int, String, String, String, Bool).self)
            events.append(
                InvoiceCreated(
                    invoice: InvoiceParty(
                        invoiceID: id, number: number, customerID: customer, customerEmail: email, customerName: name,
                        accountID: account, domain: domain, total: total, currency: currency, dueOn: due),
                    periodStart: due, periodEnd: end, autoCharge: auto))
        }
        return events
    }

    /// Claims each open invoice whose charge is due and queues one task per attempt.
    private func queueCharges(on day: BillingDay, in transaction: Transaction) async throws -> Int {
        let rows = try await transaction.connection.query(
            """
            UPDATE invoices SET charge_attempts = charge_attempts + 1, next_charge_on = NULL, charge_pending = true
            WHERE status = 'open' AND next_charge_on <= \(day.description)::date AND NOT charge_pending
            RETURNING id, charge_attempts
            """, logger: transaction.logger)
        var charges: [(payload: ChargeInvoiceTask, dedupeKey: String)] = []
        for try await row in rows {
            let (id, attempt) = try row.decode((UUID, Int).self)
            charges.append(
                (ChargeInvoiceTask(invoiceID: id, attempt: attempt, asOf: day.description), "charge:\(id):\(attempt)"))
        }
        return try await transaction.enqueue(contentsOf: charges)
    }
}
