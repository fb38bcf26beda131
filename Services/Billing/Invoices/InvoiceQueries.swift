import Contracts
import Foundation
import Persistence
import PostgresNIO
import Validation

/// The read side of billing's admin API.
struct InvoiceQueries: Sendable {
    let database: Database

    struct Subscription: Encodable {
        let id: UUID, orderID: UUID, customerID: UUID, accountID: UUID?, productName: String, domain: String?
        let cycle: String, amount: Int, currency: String, startedOn: String, nextDue: String,
            status: SubscriptionStatus,
            suspendedFor: String?
        /// The day a requested cancellation ends it (nothing is invoiced from then).
        let cancelOn: String?
        enum CodingKeys: String, CodingKey {
            case id
            case orderID = "order_id"
            case customerID = "customer_id"
            case accountID = "account_id"
            case productName = "product_name"
            case domain
            case cycle, amount, currency
            case startedOn = "started_on"
            case nextDue = "next_due"
            case status
            case suspendedFor = "suspended_for"
            case cancelOn = "cancel_on"
        }
    }

    struct Invoice: Encodable {
        /// `nil` for an invoice that bills several subscriptions: its lines name each.
        let id: UUID, number: String, subscriptionID: UUID?, customerID: UUID
        let periodStart: String, periodEnd: String, issuedOn: String, dueOn: String
        let subtotal: Int, tax: Int, total: Int, currency: String, status: InvoiceStatus, amountPaid: Int
        let chargeAttempts: Int, nextChargeOn: String?, paidAt: Date?
        var lines: [Line]?
        /// The credit notes that cancelled or corrected it.
        var creditNotes: [CreditNote]?
        /// Whom it is made out to, as they were when it was issued.
        var billTo: BillTo?
        var payments: [Payment]?
        var charges: [Charge]?
        var dunning: [Dunning]?
        enum CodingKeys: String, CodingKey {
            case id, number
            case subscriptionID = "subscription_id"
            case customerID = "customer_id"
            case periodStart = "period_start"
            case periodEnd = "period_end"
            case issuedOn = "issued_on"
            case dueOn = "due_on"
            case subtotal, tax, total, currency, status
            case amountPaid = "amount_paid"
            case chargeAttempts = "charge_attempts"
            case nextChargeOn = "next_charge_on"
            case paidAt = "paid_at"
            case lines, payments
            case billTo = "bill_to"
            case creditNotes = "credit_notes"
            case charges = "charge_attempts_log"
            case dunning
        }
    }

    /// An invoice line; a subscription's period names the subscription and the period.
    struct Line: Encodable {
        let position: Int, description: String, amount: Int
        let subscriptionID: UUID?, periodStart: String?, periodEnd: String?
        enum CodingKeys: String, CodingKey {
            case position, description, amount
            case subscriptionID = "subscription_id"
            case periodStart = "period_start"
            case periodEnd = "period_end"
        }
    }

    /// A credit note as the APIs show it.
    struct CreditNote: Encodable {
        let id: UUID, number: String, invoiceID: UUID, customerID: UUID, amount: Int, currency: String
        let settlement: String, reason: String?, createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, number
            case invoiceID = "invoice_id"
            case customerID = "customer_id"
            case amount, currency, settlement, reason
            case createdAt = "created_at"
        }
    }

    /// Credit notes, newest last, narrowed by invoice and customer when given.
    func creditNotes(invoice: UUID?, customer: UUID?, paging: PageNumbers) async throws -> [CreditNote] {
        try await database.query(
            """
            SELECT id, number, invoice_id, customer_id, amount, currency, settlement, reason, created_at FROM credit_notes
            WHERE (\(invoice)::uuid IS NULL OR invoice_id = \(invoice)) AND (\(customer)::uuid IS NULL OR customer_id = \(customer))
            ORDER BY number LIMIT \(paging.perPage) OFFSET \(paging.offset)
            """
        ).map { row in
            let (id, number, invoice, customer, amount, currency, settlement, reason, at) = try row.decode(
                (UUID, String, UUID, UUID, Int, String, String, String?, Date).self)
            return CreditNote(
                id: id, number: number, invoiceID: invoice, customerID: customer, amount: amount, currency: currency,
                settlement: settlement, reason: reason, createdAt: at)
        }
    }
    struct Charge: Encodable {
        let attempt: Int, outcome: String, detail: String?, at: Date
    }
    struct Dunning: Encodable {
        let action: String, takenOn: String
        enum CodingKeys: String, CodingKey {
            case action
            case takenOn = "taken_on"
        }
    }

    struct Payment: Encodable {
        let id: UUID, invoiceID: UUID, method: String, reference: String, amount: Int, refunded: Int, currency: String
        let note: String?, createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id
            case invoiceID = "invoice_id"
            case method, reference, amount, refunded, currency, note
            case createdAt = "created_at"
        }
    }

    struct Balance: Encodable {
        struct Amount: Encodable {
            let currency: String, outstanding: Int, openInvoices: Int, overpaid: Int
            /// Credit the next invoices take first.
            let credit: Int
            enum CodingKeys: String, CodingKey {
                case currency, outstanding
                case openInvoices = "open_invoices"
                case overpaid, credit
            }
        }
        let customerID: UUID
        let balances: [Amount]
        enum CodingKeys: String, CodingKey {
            case customerID = "customer_id"
            case balances
        }
    }

    /// Subscriptions, oldest first; `cancelling` keeps those whose cancellation is pending (by the day they end).
    func subscriptions(customer: UUID?, status: SubscriptionStatus?, cancelling: Bool = false, paging: PageNumbers)
        async throws
        -> [Subscription]
    {
        try await database.query(
            """
            SELECT s.id, s.order_id, s.customer_id, a.account_id, s.product_name, s.domain, s.cycle, s.amount, s.currency,
                   s.started_on::text, s.next_due::text, s.status, s.suspended_for, s.cancel_on::text
            FROM subscriptions s LEFT JOIN accounts a ON a.order_id = s.order_id
            WHERE (\(customer)::uuid IS NULL OR s.customer_id = \(customer)) AND (\(status)::text IS NULL OR s.status = \(status))
              AND (NOT \(cancelling) OR (s.cancel_on IS NOT NULL AND s.status IN ('active', 'suspended')))
            ORDER BY CASE WHEN \(cancelling) THEN s.cancel_on END, s.created_at, s.id LIMIT \(paging.perPage) OFFSET \(paging.offset)
            """
        ).map { row in
            let (
                id, order, customer, account, product, domain, cycle, amount, currency, started, next, status, reason,
                cancelOn
            ) =
                try row.decode(
                    (
                        UUID, UUID, UUID, UUID?, String, String?, String, Int, String, String, String,
                        SubscriptionStatus, String?,
                        String?
                    ).self)
            return Subscription(
                id: id, orderID: order, customerID: customer, accountID: account, productName: product, domain: domain,
                cycle: cycle, amount: amount, currency: currency, startedOn: started, nextDue: next, status: status,
                suspendedFor: reason, cancelOn: cancelOn)
        }
    }

    func invoices(customer: UUID?, subscription: UUID?, status: InvoiceStatus?, paging: PageNumbers) async throws
        -> [Invoice]
    {
        try await database.query(
            """
            SELECT id, number, subscription_id, customer_id, period_start::text, period_end::text, issued_on::text, due_on::text,
                   subtotal, tax, total, currency, status, amount_paid, charge_attempts, next_charge_on::text, paid_at
            FROM invoices
            WHERE (\(customer)::uuid IS NULL OR customer_id = \(customer))
              AND (\(subscription)::uuid IS NULL OR subscription_id = \(subscription)
                   OR id IN (SELECT invoice_id FROM invoice_lines WHERE subscription_id = \(subscription)))
              AND (\(status)::text IS NULL OR status = \(status))
            ORDER BY number LIMIT \(paging.perPage) OFFSET \(paging.offset)
            """
        ).map(Self.invoice)
    }

    func invoice(_ id: UUID) async throws -> Invoice? {
        guard
            var invoice = try await database.query(
                """
                SELECT id, number, subscription_id, customer_id, period_start::text, period_end::text, issued_on::text, due_on::text,
                       subtotal, tax, total, currency, status, amount_paid, charge_attempts, next_charge_on::text, paid_at
                FROM invoices WHERE id = \(id)
                """
            ).map(Self.invoice).first
        else { return nil }
        invoice.lines = try await database.query(
            """
            SELECT position, description, amount, subscription_id, period_start::text, period_end::text
            FROM invoice_lines WHERE invoice_id = \(id) ORDER BY position
            """
        ).map { row in
            let (position, description, amount, subscription, start, end) = try row.decode(
                (Int, String, Int, UUID?, String?, String?).self)
            return Line(
                position: position, description: description, amount: amount, subscriptionID: subscription,
                periodStart: start, periodEnd: end)
        }
        invoice.billTo = try await database.query("SELECT bill_to::text FROM invoices WHERE id = \(id)").first
            .flatMap { row in try row.decode(String?.self) }
            .map { json in try JSONDecoder().decode(BillTo.self, from: Data(json.utf8)) }
        invoice.payments = try await payments(invoice: id, customer: nil, paging: nil)
        invoice.creditNotes = try await creditNotes(
            invoice: id, customer: nil, paging: try PageNumbers(page: nil, perPage: "100"))
        invoice.charges = try await database.query(
            """
            SELECT attempt, outcome, detail, attempted_at FROM charge_attempts WHERE invoice_id = \(id) ORDER BY attempt
            """
        ).map { row in
            let (attempt, outcome, detail, at) = try row.decode((Int, String, String?, Date).self)
            return Charge(attempt: attempt, outcome: outcome, detail: detail, at: at)
        }
        invoice.dunning = try await database.query(
            """
            SELECT action, taken_on::text FROM dunning_actions WHERE invoice_id = \(id) ORDER BY taken_on, action
            """
        ).map { row in
            let (action, on) = try row.decode((String, String).self)
            return Dunning(action: action, takenOn: on)
        }
        return invoice
    }

    func payments(invoice: UUID?, customer: UUID?, paging: PageNumbers?) async throws -> [Payment] {
        let (limit, offset) = (paging?.perPage ?? 500, paging?.offset ?? 0)
        return try await database.query(
            """
            SELECT p.id, p.invoice_id, p.method, p.reference, p.amount, p.refunded, p.currency, p.note, p.created_at
            FROM payments p JOIN invoices i ON i.id = p.invoice_id
            WHERE (\(invoice)::uuid IS NULL OR p.invoice_id = \(invoice)) AND (\(customer)::uuid IS NULL OR i.customer_id = \(customer))
            ORDER BY p.created_at, p.id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            let (id, invoice, method, reference, amount, refunded, currency, note, created) =
                try row.decode((UUID, UUID, String, String, Int, Int, String, String?, Date).self)
            return Payment(
                id: id, invoiceID: invoice, method: method, reference: reference, amount: amount, refunded: refunded,
                currency: currency, note: note, createdAt: created)
        }
    }

    func balance(_ customer: UUID) async throws -> Balance {
        let amounts = try await database.query(
            """
            WITH owed AS (
                SELECT currency, sum(CASE WHEN status = 'open' THEN total - amount_paid ELSE 0 END)::int AS outstanding,
                       count(*) FILTER (WHERE status = 'open')::int AS open,
                       sum(CASE WHEN amount_paid > total THEN amount_paid - total ELSE 0 END)::int AS overpaid
                FROM invoices WHERE customer_id = \(customer) GROUP BY currency
            ), credit AS (
                SELECT currency, sum(amount)::int AS credit FROM credits WHERE customer_id = \(customer) GROUP BY currency
            )
            SELECT coalesce(o.currency, c.currency), coalesce(o.outstanding, 0), coalesce(o.open, 0), coalesce(o.overpaid, 0),
                   coalesce(c.credit, 0)
            FROM owed o FULL JOIN credit c ON c.currency = o.currency ORDER BY 1
            """
        ).map { row in
            let (currency, outstanding, open, overpaid, credit) = try row.decode((String, Int, Int, Int, Int).self)
            return Balance.Amount(
                currency: currency, outstanding: outstanding, openInvoices: open, overpaid: overpaid, credit: credit)
        }
        return Balance(customerID: customer, balances: amounts)
    }

    private static func invoice(_ row: PostgresRow) throws -> Invoice {
        let (
            id, number, subscription, customer, start, end, issued, due, subtotal, tax, total, currency, status, paid,
            attempts,
            nextCharge, paidAt
        ) = try row.decode(
            (
                UUID, String, UUID?, UUID, String, String, String, String, Int, Int, Int, String,
                InvoiceStatus, Int, Int, String?, Date?
            ).self)
        return Invoice(
            id: id, number: number, subscriptionID: subscription, customerID: customer, periodStart: start,
            periodEnd: end,
            issuedOn: issued, dueOn: due, subtotal: subtotal, tax: tax, total: total, currency: currency,
            status: status,
            amountPaid: paid, chargeAttempts: attempts, nextChargeOn: nextCharge, paidAt: paidAt)
    }
}
