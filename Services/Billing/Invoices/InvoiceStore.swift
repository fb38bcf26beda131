import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// The invoice and what hangs from it — `invoices`, `invoice_lines`, `invoice_counter`,
/// `charge_attempts` and `dunning_actions`: every statement that writes them. Reading views
/// that join invoices with other tables for people live in ``InvoiceQueries`` and ``BillingFigures``.
enum InvoiceStore {
    /// Invoices the first period of `subscription`, paid by its order: numbered, due and issued the day it started.
    static func issueFirst(
        _ invoice: UUID, of subscription: UUID, tax: OrderTax, inclusive: Bool, in transaction: Transaction
    ) async throws {
        // Prices that include the tax: the subscription's amount is what was paid, the tax part of it.
        let included = inclusive ? tax.amount : 0
        try await transaction.query(
            """
            WITH counter AS (UPDATE invoice_counter SET last = last + 1 RETURNING last), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, bill_to)
                SELECT \(invoice), invoice_number((SELECT last FROM counter)), id, customer_id, started_on, next_due, started_on,
                       started_on, amount - \(included), \(tax.amount), amount - \(included) + \(tax.amount), currency,
                       (SELECT bill_to(c) FROM customers c WHERE c.id = customer_id)
                FROM subscriptions WHERE id = \(subscription)
            )
            INSERT INTO invoice_lines (invoice_id, position, description, amount, subscription_id, period_start, period_end)
            SELECT \(invoice), 1, period_line(product_name, domain, started_on, next_due), amount, id, started_on, next_due
            FROM subscriptions WHERE id = \(subscription)
            UNION ALL
            SELECT \(invoice), 2,
                   CASE WHEN \(tax.reverseCharge) THEN \(Self.reverseChargeLine)
                        ELSE tax_line(\(tax.name)::text, \(tax.basisPoints)::int, \(inclusive)) END,
                   \(tax.amount), NULL, NULL, NULL
            WHERE \(tax.reverseCharge) OR \(tax.amount) > 0
            """)
    }

    /// The tax an order charged, as its invoice shows it.
    struct OrderTax: Sendable {
        let amount: Int
        let name: String
        let basisPoints: Int
        let reverseCharge: Bool

        init(_ order: OrderPaid) {
            amount = order.tax ?? 0
            name = order.taxName ?? "Tax"
            basisPoints = order.taxBasisPoints ?? 0
            reverseCharge = order.reverseCharge == true
        }
    }

    /// What an invoice without VAT to an EU business in another member state says.
    static let reverseChargeLine =
        "VAT reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)"

    /// Invoices an upgrade for the rest of the current period, due at once: numbered with the
    /// others, made out to the customer's profile, not charged by itself (paid on the hosted page).
    static func issuePlanChange(
        _ invoice: UUID, _ quote: PlanChangeQuote, customer: UUID, domain: String?, on day: BillingDay,
        inclusive: Bool, in transaction: Transaction
    ) async throws {
        let description =
            "Upgrade to \(quote.toProductName)\(domain.map { " — \($0)" } ?? "") (\(day.description) until \(quote.periodEnd), "
            + "\(quote.daysLeft) of \(quote.daysInPeriod) days)"
        try await transaction.query(
            """
            WITH counter AS (UPDATE invoice_counter SET last = last + 1 RETURNING last), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, bill_to, kind)
                SELECT \(invoice), invoice_number((SELECT last FROM counter)), \(quote.subscriptionID), \(customer),
                       \(day.description)::date, \(quote.periodEnd)::date, \(day.description)::date, \(day.description)::date,
                       \(quote.prorated), \(quote.tax), \(quote.total), \(quote.currency), bill_to(c), 'plan-change'
                FROM customers c WHERE c.id = \(customer)
                RETURNING id
            )
            INSERT INTO invoice_lines (invoice_id, position, description, amount, subscription_id)
            SELECT id, 1, \(description), \(inclusive ? quote.total : quote.prorated), \(quote.subscriptionID) FROM inserted
            UNION ALL
            SELECT id, 2, coalesce((SELECT tax_line(t.name, t.basis_points, \(inclusive))
                                    FROM customers c JOIN tax_rates t ON t.country = c.country WHERE c.id = \(customer)), 'Tax'),
                   \(quote.tax), NULL FROM inserted WHERE \(quote.tax) > 0
            """)
    }

    /// Cancels the upgrade invoices left unpaid since before `cutoff`; answers them.
    static func cancelUnpaidPlanChanges(dueBefore cutoff: BillingDay, in transaction: Transaction) async throws
        -> [UUID]
    {
        try await transaction.query(
            """
            UPDATE invoices SET status = 'cancelled', next_charge_on = NULL
            WHERE kind = 'plan-change' AND status = 'open' AND due_on < \(cutoff.description)::date
            RETURNING id
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// The due subscriptions the next batch takes: those up to the `limit`-th in the order of
    /// (due date, customer), and every other of that customer due that day, so that a customer's
    /// services due together fall into one batch. `nil`: no bound (fewer than `limit` are due).
    static func batchEdge(on day: BillingDay, leadDays: Int, limit: Int, in transaction: Transaction) async throws
        -> (due: String, customer: UUID)?
    {
        try await transaction.query(
            """
            SELECT next_due::text, customer_id FROM subscriptions
            WHERE status IN ('active', 'suspended') AND next_due <= \(day.description)::date + \(leadDays)::int
              AND (cancel_on IS NULL OR next_due < cancel_on)
            ORDER BY next_due, customer_id OFFSET \(limit - 1) LIMIT 1
            """
        ).first.map { row in
            let (due, customer) = try row.decode((String, UUID).self)
            return (due, customer)
        }
    }

    /// Issues the invoices for the next periods that come due by `day` plus `leadDays` of the
    /// subscriptions up to `edge` (all when `nil`): one per customer, due date and currency with
    /// a line per subscription when `combine`, else one per subscription; numbers without gaps,
    /// tax at the customer's country's rate on each invoice's lines (in them when `inclusive`). Each subscription moves on
    /// to its next period in the same statement; a line per subscription and period is unique,
    /// so nothing is invoiced twice whatever runs. Answers the invoices' events, in number order.
    static func issueDue(
        on day: BillingDay, leadDays: Int, upTo edge: (due: String, customer: UUID)?, combine: Bool,
        inclusive: Bool, in transaction: Transaction
    ) async throws -> [InvoiceCreated] {
        // Its sorts and hashes stay in memory at a batch's size (the default 4 MB spills to disk).
        try await transaction.query("SET LOCAL work_mem = '64MB'")
        // Without an edge every due subscription is in: the bound is the lead time's last day.
        let bound =
            edge ?? (day.adding(days: leadDays).description, UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!)
        return try await transaction.query(
            """
            WITH due AS (
                SELECT s.id, s.order_id, s.customer_id, s.next_due, s.amount, s.currency, s.product_name, s.domain,
                       (s.started_on + (s.periods + 1) * s.cycle_months * interval '1 month')::date AS period_end,
                       CASE WHEN \(combine) THEN s.customer_id ELSE s.id END AS grp
                FROM subscriptions s
                WHERE s.status IN ('active', 'suspended') AND s.next_due <= \(day.description)::date + \(leadDays)::int
                  AND (s.cancel_on IS NULL OR s.next_due < s.cancel_on)
                  AND (s.next_due, s.customer_id) <= (\(bound.due)::date, \(bound.customer)::uuid)
            ), grouped AS (
                SELECT grp, customer_id, next_due, currency, sum(amount)::int AS lines_total, max(period_end) AS period_end,
                       count(*)::int AS subscriptions, (array_agg(id))[1] AS only_subscription,
                       row_number() OVER (ORDER BY next_due, customer_id, grp, currency) AS n
                FROM due GROUP BY grp, customer_id, next_due, currency
            ), numbered AS (
                SELECT g.*, gen_random_uuid() AS invoice_id, invoice_number((SELECT last FROM invoice_counter) + g.n) AS number,
                       c.payment_customer IS NOT NULL AND c.payment_method IS NOT NULL AS auto,
                       CASE WHEN c.reverse_charge THEN 0 ELSE coalesce(t.basis_points, 0) END AS tax_bp,
                       coalesce(t.name, 'Tax') AS tax_name, c.reverse_charge, bill_to(c) AS bill_to, c.email, c.name
                FROM grouped g JOIN customers c ON c.id = g.customer_id LEFT JOIN tax_rates t ON t.country = c.country
            ), taxed AS (
                SELECT numbered.*, tax_of(lines_total, tax_bp, \(inclusive)) AS tax,
                       lines_total - CASE WHEN \(inclusive) THEN tax_of(lines_total, tax_bp, true) ELSE 0 END AS subtotal
                FROM numbered
            ), bumped AS (
                UPDATE invoice_counter SET last = last + (SELECT count(*) FROM taxed)
            ), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, next_charge_on, bill_to)
                SELECT invoice_id, number, CASE WHEN subscriptions = 1 THEN only_subscription END, customer_id, next_due,
                       period_end, \(day.description)::date, next_due, subtotal, tax, subtotal + tax, currency,
                       CASE WHEN auto THEN next_due END, bill_to
                FROM taxed
            ), lined AS (
                SELECT t.invoice_id, d.*, row_number() OVER (PARTITION BY t.invoice_id ORDER BY d.domain, d.id) AS position,
                       period_line(d.product_name, d.domain, d.next_due, d.period_end) AS description
                FROM due d JOIN taxed t ON t.grp = d.grp AND t.next_due = d.next_due AND t.currency = d.currency
            ), lines AS (
                INSERT INTO invoice_lines (invoice_id, position, description, amount, subscription_id, period_start, period_end)
                SELECT invoice_id, position, description, amount, id, next_due, period_end FROM lined
                UNION ALL
                SELECT invoice_id, subscriptions + 1, tax_line(tax_name, tax_bp, \(inclusive)), tax, NULL, NULL, NULL
                FROM taxed WHERE tax_bp > 0
                UNION ALL
                SELECT invoice_id, subscriptions + 1, \(Self.reverseChargeLine), 0, NULL, NULL, NULL FROM taxed WHERE reverse_charge
            ), advanced AS (
                -- By primary key (a join would read the whole table), to the period after the one invoiced.
                UPDATE subscriptions s SET periods = s.periods + 1, updated_at = now(),
                       next_due = (s.started_on + (s.periods + 1) * s.cycle_months * interval '1 month')::date
                WHERE s.id = ANY(ARRAY(SELECT id FROM due))
            )
            SELECT t.invoice_id, t.number, t.customer_id, t.email, t.name, t.subtotal + t.tax, t.currency, t.next_due::text,
                   t.next_due::text, t.period_end::text, t.auto,
                   json_agg(json_build_object('subscription_id', l.id, 'account_id', a.account_id, 'domain', l.domain,
                                              'description', l.description, 'amount', l.amount,
                                              'period_start', l.next_due::text, 'period_end', l.period_end::text)
                            ORDER BY l.position)::text
            FROM taxed t JOIN lined l ON l.invoice_id = t.invoice_id LEFT JOIN accounts a ON a.order_id = l.order_id
            GROUP BY t.invoice_id, t.number, t.customer_id, t.email, t.name, t.subtotal, t.tax, t.currency, t.next_due,
                     t.period_end, t.auto, t.n
            ORDER BY t.n
            """
        ).map(Self.created(_:))
    }

    /// An issued invoice's event from a row of id, number, customer id, email and name, total,
    /// currency, due date, period start and end, whether it is charged, and its lines as JSON.
    static func created(_ row: PostgresRow) throws -> InvoiceCreated {
        let (id, number, customer, email, name, total, currency, due, start, end, auto, linesJSON) = try row.decode(
            (UUID, String, UUID, String, String, Int, String, String, String, String, Bool, String).self)
        let lines = try JSONDecoder().decode([InvoiceCreated.Line].self, from: Data(linesJSON.utf8))
        // An invoice for one service names its account and domain, as every invoice did before.
        let only = lines.count == 1 ? lines.first : nil
        return InvoiceCreated(
            invoice: InvoiceParty(
                invoiceID: id, number: number, customerID: customer, customerEmail: email, customerName: name,
                accountID: only?.accountID, domain: only?.domain, total: total, currency: currency, dueOn: due),
            periodStart: start, periodEnd: end, autoCharge: auto, lines: lines)
    }

    /// Claims up to `limit` open invoices whose charge is due by `day`: one attempt more, pending
    /// until the charge answers. Returns each invoice with the number of its attempt.
    static func claimDueCharges(on day: BillingDay, limit: Int, in transaction: Transaction) async throws
        -> [(invoice: UUID, attempt: Int)]
    {
        try await transaction.query(
            """
            UPDATE invoices SET charge_attempts = charge_attempts + 1, next_charge_on = NULL, charge_pending = true
            WHERE id IN (SELECT id FROM invoices WHERE status = 'open' AND next_charge_on <= \(day.description)::date
                           AND NOT charge_pending LIMIT \(limit))
              -- Checked again on the row as it is once locked: a charge is claimed once, whoever else runs.
              AND status = 'open' AND next_charge_on <= \(day.description)::date AND NOT charge_pending
            RETURNING id, charge_attempts
            """
        ).map { row in
            let (id, attempt) = try row.decode((UUID, Int).self)
            return (id, attempt)
        }
    }

    /// What a charge of an invoice needs to know.
    struct Chargeable: Sendable {
        let number: String
        let status: InvoiceStatus
        /// What is left to pay, in minor units.
        let due: Int
        let currency: String
        /// The customer and card at the provider; `nil` when none is on file.
        let paymentCustomer: String?
        let paymentMethod: String?
    }

    static func chargeable(_ invoice: UUID, on database: Database) async throws -> Chargeable? {
        try await database.query(
            """
            SELECT i.number, i.status, i.total - i.amount_paid, i.currency, c.payment_customer, c.payment_method
            FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = \(invoice)
            """
        ).first.map { row in
            let (number, status, due, currency, customer, method) = try row.decode(
                (String, InvoiceStatus, Int, String, String?, String?).self)
            return Chargeable(
                number: number, status: status, due: due, currency: currency, paymentCustomer: customer,
                paymentMethod: method)
        }
    }

    /// Records a charge attempt's outcome (once per attempt) and hands the invoice back to dunning.
    static func settleCharge(
        _ invoice: UUID, attempt: Int, key: String, outcome: String, detail: String?, in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            INSERT INTO charge_attempts (invoice_id, attempt, idempotency_key, outcome, detail)
            VALUES (\(invoice), \(attempt), \(key), \(outcome), \(detail)) ON CONFLICT DO NOTHING
            """)
        try await releaseCharge(invoice, in: transaction)
    }

    /// No charge is under way any more: dunning may act on the invoice.
    static func releaseCharge(_ invoice: UUID, in transaction: Transaction) async throws {
        try await transaction.query("UPDATE invoices SET charge_pending = false WHERE id = \(invoice)")
    }

    /// A charge is under way again (an operator's retry), if the invoice is still open.
    static func resumeCharge(_ invoice: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE invoices SET charge_pending = true WHERE id = \(invoice) AND status = 'open'")
    }

    /// Plans the next charge `retryIn` days after the due date (none when `nil`); answers the
    /// day planned, `nil` when none or the invoice is no longer open.
    static func planNextCharge(_ invoice: UUID, retryIn: Int?, in transaction: Transaction) async throws -> String? {
        try await transaction.query(
            """
            UPDATE invoices SET next_charge_on = CASE WHEN \(retryIn)::int IS NULL THEN NULL ELSE due_on + \(retryIn)::int END
            WHERE id = \(invoice) AND status = 'open' RETURNING next_charge_on::text
            """
        ).first?.decode(String?.self) ?? nil
    }

    /// An invoice's state as a void or a payment weighs it, locked until the transaction ends
    /// (a payment locks it after the billing lock, as every billing writer does).
    struct Standing: Sendable {
        let customerID: UUID
        let status: InvoiceStatus
        let currency: String
        let total: Int
        let amountPaid: Int
        let chargePending: Bool
    }

    static func lockStanding(_ invoice: UUID, in transaction: Transaction) async throws -> Standing? {
        try await transaction.query(
            """
            SELECT customer_id, status, currency, total, amount_paid, charge_pending FROM invoices
            WHERE id = \(invoice) FOR UPDATE
            """
        ).first.map { row in
            let (customer, status, currency, total, paid, pending) = try row.decode(
                (UUID, InvoiceStatus, String, Int, Int, Bool).self)
            return Standing(
                customerID: customer, status: status, currency: currency, total: total, amountPaid: paid,
                chargePending: pending)
        }
    }

    /// The currency `invoice` is in, read without a lock (a payment takes the billing lock first).
    static func currency(of invoice: UUID, in transaction: Transaction) async throws -> String? {
        try await transaction.query("SELECT currency FROM invoices WHERE id = \(invoice)").first?.decode(String.self)
    }

    /// Cancels an open invoice by hand; it is never charged nor dunned again.
    static func void(_ invoice: UUID, actor: String, reason: String, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE invoices SET status = 'cancelled', next_charge_on = NULL, voided_at = now(), voided_by = \(actor), void_reason = \(reason)
            WHERE id = \(invoice)
            """)
    }

    /// Adds `amount` to what was paid; `paid` closes the invoice.
    static func credit(_ invoice: UUID, amount: Int, paid: Bool, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE invoices SET amount_paid = amount_paid + \(amount),
                status = CASE WHEN \(paid) THEN 'paid' ELSE status END,
                paid_at = CASE WHEN \(paid) THEN now() ELSE paid_at END,
                next_charge_on = CASE WHEN \(paid) THEN NULL ELSE next_charge_on END
            WHERE id = \(invoice)
            """)
    }

    /// An invoice after a refund of one of its payments, with whom it bills.
    struct AfterRefund: Sendable {
        let status: InvoiceStatus
        let currency: String
        let customerID: UUID
        let customerEmail: String
        let customerName: String
    }

    /// Marks `invoice` refunded once its payments' refunds leave nothing kept (read after the
    /// refund is recorded in ``PaymentStore/recordRefund(_:in:)``).
    static func settleRefund(of invoice: UUID, in transaction: Transaction) async throws -> AfterRefund? {
        try await transaction.query(
            """
            UPDATE invoices i SET status = CASE
                WHEN (SELECT sum(amount - refunded) FROM payments WHERE invoice_id = i.id) <= 0 THEN 'refunded' ELSE status END
            FROM customers c WHERE i.id = \(invoice) AND c.id = i.customer_id
            RETURNING i.status, i.currency, c.id, c.email, c.name
            """
        ).first.map { row in
            let (status, currency, customer, email, name) = try row.decode(
                (InvoiceStatus, String, UUID, String, String).self)
            return AfterRefund(
                status: status, currency: currency, customerID: customer, customerEmail: email, customerName: name)
        }
    }

    /// Cancels the open invoices of `subscriptions`, only those for periods from `day` on when given.
    /// An invoice that also bills a service that goes on stays: an issued invoice is never edited
    /// (``InvoiceReissue`` takes the ended services off it when nothing was paid on it).
    static func cancelOpen(of subscriptions: [UUID], periodsFrom day: String? = nil, in transaction: Transaction)
        async throws
    {
        guard !subscriptions.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE invoices i SET status = 'cancelled', next_charge_on = NULL
            WHERE i.status = 'open' AND (\(day)::date IS NULL OR i.period_start >= \(day)::date)
              AND (i.subscription_id = ANY(\(subscriptions))
                   OR i.id IN (SELECT invoice_id FROM invoice_lines WHERE subscription_id = ANY(\(subscriptions))))
              AND NOT EXISTS (SELECT 1 FROM invoice_lines l JOIN subscriptions s ON s.id = l.subscription_id
                              WHERE l.invoice_id = i.id AND l.subscription_id <> ALL(\(subscriptions))
                                AND s.status IN ('active', 'suspended'))
            """)
    }
}
