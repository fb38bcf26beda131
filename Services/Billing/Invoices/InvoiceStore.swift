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
        _ invoice: UUID, of subscription: UUID, tax: OrderTax, in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            WITH counter AS (UPDATE invoice_counter SET last = last + 1 RETURNING last), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, bill_to)
                SELECT \(invoice), invoice_number((SELECT last FROM counter)), id, customer_id, started_on, next_due, started_on,
                       started_on, amount, \(tax.amount), amount + \(tax.amount), currency,
                       (SELECT bill_to(c) FROM customers c WHERE c.id = customer_id)
                FROM subscriptions WHERE id = \(subscription)
            )
            INSERT INTO invoice_lines (invoice_id, position, description, amount)
            SELECT \(invoice), 1, period_line(product_name, domain, started_on, next_due), amount
            FROM subscriptions WHERE id = \(subscription)
            UNION ALL
            SELECT \(invoice), 2, \(tax.line), \(tax.amount) WHERE \(tax.line)::text IS NOT NULL
            """)
    }

    /// The tax an order charged, as its invoice shows it.
    struct OrderTax: Sendable {
        let amount: Int
        /// The tax line (`VAT 19.00%`, or the reverse charge's note); `nil`: no line.
        let line: String?

        init(_ order: OrderPaid) {
            amount = order.tax ?? 0
            if order.reverseCharge == true {
                line = InvoiceStore.reverseChargeLine
            } else if amount > 0, let points = order.taxBasisPoints {
                line = "\(order.taxName ?? "Tax") \(points / 100).\(String(format: "%02d", points % 100))%"
            } else {
                line = nil
            }
        }
    }

    /// What an invoice without VAT to an EU business in another member state says.
    static let reverseChargeLine =
        "VAT reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)"

    /// Invoices an upgrade for the rest of the current period, due at once: numbered with the
    /// others, made out to the customer's profile, not charged by itself (paid on the hosted page).
    static func issuePlanChange(
        _ invoice: UUID, _ quote: PlanChangeQuote, customer: UUID, domain: String?, on day: BillingDay,
        in transaction: Transaction
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
            INSERT INTO invoice_lines (invoice_id, position, description, amount)
            SELECT id, 1, \(description), \(quote.prorated) FROM inserted
            UNION ALL
            SELECT id, 2, coalesce((SELECT t.name || ' ' || (t.basis_points / 100.0)::numeric(5, 2) || '%'
                                    FROM customers c JOIN tax_rates t ON t.country = c.country WHERE c.id = \(customer)), 'Tax'),
                   \(quote.tax) FROM inserted WHERE \(quote.tax) > 0
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

    /// An invoice just issued, with the subscription period it bills.
    struct Issued: Sendable {
        let event: InvoiceCreated
        let subscriptionID: UUID
    }

    /// Issues one invoice for each live subscription's next period that comes due by `day`
    /// plus `leadDays` (numbers without gaps, tax at the customer's country's rate); the
    /// subscriptions are left for ``SubscriptionStore/advance(_:in:)``.
    static func issueDue(on day: BillingDay, leadDays: Int, in transaction: Transaction) async throws -> [Issued] {
        try await transaction.query(
            """
            WITH due AS (
                SELECT s.id, s.order_id, s.customer_id, s.periods, s.next_due, s.amount, s.currency, s.product_name, s.domain,
                       s.cycle_months, s.started_on, c.payment_customer IS NOT NULL AND c.payment_method IS NOT NULL AS auto,
                       CASE WHEN c.reverse_charge THEN 0 ELSE coalesce(t.basis_points, 0) END AS tax_bp,
                       coalesce(t.name, 'Tax') AS tax_name, c.reverse_charge, bill_to(c) AS bill_to,
                       row_number() OVER (ORDER BY s.next_due, s.id) AS n
                FROM subscriptions s JOIN customers c ON c.id = s.customer_id LEFT JOIN tax_rates t ON t.country = c.country
                WHERE s.status IN ('active', 'suspended') AND s.next_due <= \(day.description)::date + \(leadDays)::int
                  AND (s.cancel_on IS NULL OR s.next_due < s.cancel_on)
            ), numbered AS (
                SELECT due.*, gen_random_uuid() AS invoice_id,
                       invoice_number((SELECT last FROM invoice_counter) + n) AS number,
                       (started_on + (periods + 1) * cycle_months * interval '1 month')::date AS period_end,
                       round(amount * tax_bp / 10000.0)::int AS tax
                FROM due
            ), bumped AS (
                UPDATE invoice_counter SET last = last + (SELECT count(*) FROM numbered)
            ), inserted AS (
                INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                      subtotal, tax, total, currency, next_charge_on, bill_to)
                SELECT invoice_id, number, id, customer_id, next_due, period_end, \(day.description)::date, next_due,
                       amount, tax, amount + tax, currency, CASE WHEN auto THEN next_due END, bill_to
                FROM numbered
            ), lines AS (
                INSERT INTO invoice_lines (invoice_id, position, description, amount)
                SELECT invoice_id, 1, period_line(product_name, domain, next_due, period_end), amount
                FROM numbered
                UNION ALL
                SELECT invoice_id, 2, tax_name || ' ' || (tax_bp / 100.0)::numeric(5, 2) || '%', tax FROM numbered WHERE tax_bp > 0
                UNION ALL
                SELECT invoice_id, 2, \(Self.reverseChargeLine), 0 FROM numbered WHERE reverse_charge
            )
            SELECT n.invoice_id, n.number, n.customer_id, c.email, c.name, a.account_id, n.domain, n.amount + n.tax, n.currency,
                   n.next_due::text, n.period_end::text, n.auto, n.id
            FROM numbered n JOIN customers c ON c.id = n.customer_id LEFT JOIN accounts a ON a.order_id = n.order_id
            ORDER BY n.n
            """
        ).map { row in
            let (id, number, customer, email, name, account, domain, total, currency, due, end, auto, subscription) =
                try row.decode(
                    (UUID, String, UUID, String, String, UUID?, String?, Int, String, String, String, Bool, UUID).self)
            return Issued(
                event: InvoiceCreated(
                    invoice: InvoiceParty(
                        invoiceID: id, number: number, customerID: customer, customerEmail: email, customerName: name,
                        accountID: account, domain: domain, total: total, currency: currency, dueOn: due),
                    periodStart: due, periodEnd: end, autoCharge: auto),
                subscriptionID: subscription)
        }
    }

    /// Claims each open invoice whose charge is due by `day`: one attempt more, pending until
    /// the charge answers. Returns each invoice with the number of its attempt.
    static func claimDueCharges(on day: BillingDay, in transaction: Transaction) async throws
        -> [(invoice: UUID, attempt: Int)]
    {
        try await transaction.query(
            """
            UPDATE invoices SET charge_attempts = charge_attempts + 1, next_charge_on = NULL, charge_pending = true
            WHERE status = 'open' AND next_charge_on <= \(day.description)::date AND NOT charge_pending
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
        let subscriptionID: UUID
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
            SELECT subscription_id, customer_id, status, currency, total, amount_paid, charge_pending FROM invoices
            WHERE id = \(invoice) FOR UPDATE
            """
        ).first.map { row in
            let (subscription, customer, status, currency, total, paid, pending) = try row.decode(
                (UUID, UUID, InvoiceStatus, String, Int, Int, Bool).self)
            return Standing(
                subscriptionID: subscription, customerID: customer, status: status, currency: currency, total: total,
                amountPaid: paid, chargePending: pending)
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
    static func cancelOpen(of subscriptions: [UUID], periodsFrom day: String? = nil, in transaction: Transaction)
        async throws
    {
        guard !subscriptions.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE invoices SET status = 'cancelled', next_charge_on = NULL
            WHERE subscription_id = ANY(\(subscriptions)) AND status = 'open'
              AND (\(day)::date IS NULL OR period_start >= \(day)::date)
            """)
    }
}
