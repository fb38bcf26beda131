import Foundation

/// Who an invoice is for, as mail addresses them; carried by every billing event so that
/// mail needs no lookup of its own.
public struct InvoiceParty: Codable, Sendable, Equatable {
    public var invoiceID: UUID
    /// Human-readable, sequential without gaps (`INV-000123`).
    public var number: String
    public var customerID: UUID
    public var customerEmail: String
    public var customerName: String
    public var accountID: UUID?
    public var domain: String?
    /// Minor units of `currency`.
    public var total: Int
    public var currency: String
    /// `yyyy-MM-dd`.
    public var dueOn: String

    public init(
        invoiceID: UUID, number: String, customerID: UUID, customerEmail: String, customerName: String,
        accountID: UUID?, domain: String?, total: Int, currency: String, dueOn: String
    ) {
        self.invoiceID = invoiceID
        self.number = number
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.accountID = accountID
        self.domain = domain
        self.total = total
        self.currency = currency
        self.dueOn = dueOn
    }

    enum CodingKeys: String, CodingKey {
        case invoiceID = "invoice_id"
        case number
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case accountID = "account_id"
        case domain, total, currency
        case dueOn = "due_on"
    }
}

/// An invoice was issued: subscriptions' next periods (one invoice per customer and due date,
/// a line each), an order's first period, an upgrade or a late fee.
///
/// Version 2 added `lines`; it is otherwise version 1, whose consumers read it unchanged
/// (billing publishes under version 1 while `HOSTWIRE_BILLING_INVOICE_CREATED_VERSION` says so).
public struct InvoiceCreated: Event {
    public static let wireName = "invoice.created"
    public static let publisher = "billing"
    public static let version = 2
    public var invoice: InvoiceParty
    /// `yyyy-MM-dd`, the period the invoice pays for (end exclusive): its lines' earliest start and latest end.
    public var periodStart: String
    public var periodEnd: String
    /// The saved card is charged on the due date.
    public var autoCharge: Bool
    /// What the invoice bills, a line per subscription period; `nil` in version 1 and for
    /// invoices that bill no period (an upgrade's difference, a late fee).
    public var lines: [Line]?

    /// One subscription's period on the invoice.
    public struct Line: Codable, Sendable, Equatable {
        public var subscriptionID: UUID
        public var accountID: UUID?
        public var domain: String?
        public var description: String
        /// Minor units, before tax.
        public var amount: Int
        public var periodStart: String
        public var periodEnd: String
        public init(
            subscriptionID: UUID, accountID: UUID?, domain: String?, description: String, amount: Int,
            periodStart: String, periodEnd: String
        ) {
            self.subscriptionID = subscriptionID
            self.accountID = accountID
            self.domain = domain
            self.description = description
            self.amount = amount
            self.periodStart = periodStart
            self.periodEnd = periodEnd
        }
        enum CodingKeys: String, CodingKey {
            case subscriptionID = "subscription_id"
            case accountID = "account_id"
            case domain, description, amount
            case periodStart = "period_start"
            case periodEnd = "period_end"
        }
    }

    public init(
        invoice: InvoiceParty, periodStart: String, periodEnd: String, autoCharge: Bool, lines: [Line]? = nil
    ) {
        self.invoice = invoice
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.autoCharge = autoCharge
        self.lines = lines
    }
    enum CodingKeys: String, CodingKey {
        case invoice
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case autoCharge = "auto_charge"
        case lines
    }
}

/// An invoice was paid in full (card charge, webhook, or a payment recorded by an operator).
public struct InvoicePaid: Event {
    public static let wireName = "invoice.paid"
    public static let publisher = "billing"
    public var invoice: InvoiceParty
    /// `card`, `webhook` or `manual`.
    public var method: String
    public var paymentReference: String
    public init(invoice: InvoiceParty, method: String, paymentReference: String) {
        self.invoice = invoice
        self.method = method
        self.paymentReference = paymentReference
    }
    enum CodingKeys: String, CodingKey {
        case invoice, method
        case paymentReference = "payment_reference"
    }
}

/// An automatic charge was declined.
public struct PaymentFailed: Event {
    public static let wireName = "payment.failed"
    public static let publisher = "billing"
    public var invoice: InvoiceParty
    public var attempt: Int
    /// The provider's decline code (`insufficient_funds`, `card_declined` …).
    public var reason: String
    /// `yyyy-MM-dd` of the next automatic attempt; `nil` when none is left.
    public var nextAttemptOn: String?
    public init(invoice: InvoiceParty, attempt: Int, reason: String, nextAttemptOn: String?) {
        self.invoice = invoice
        self.attempt = attempt
        self.reason = reason
        self.nextAttemptOn = nextAttemptOn
    }
    enum CodingKeys: String, CodingKey {
        case invoice, attempt, reason
        case nextAttemptOn = "next_attempt_on"
    }
}

/// Dunning's reminder: an unpaid invoice comes due in `days` days.
public struct InvoiceDueSoon: Event {
    public static let wireName = "invoice.due-soon"
    public static let publisher = "billing"
    public var invoice: InvoiceParty
    public var days: Int
    public init(invoice: InvoiceParty, days: Int) {
        self.invoice = invoice
        self.days = days
    }
}

/// Dunning's overdue notice: an invoice is `days` days past due and unpaid.
public struct InvoiceOverdue: Event {
    public static let wireName = "invoice.overdue"
    public static let publisher = "billing"
    public var invoice: InvoiceParty
    public var days: Int
    /// `yyyy-MM-dd` on which the account is suspended if the invoice is still unpaid.
    public var suspendsOn: String
    /// Which notice this is (1 = first) of how many billing sends; absent from a producer
    /// that sends one (read as the first of one).
    public var notice: Int?
    public var notices: Int?
    public init(invoice: InvoiceParty, days: Int, suspendsOn: String, notice: Int? = nil, notices: Int? = nil) {
        self.invoice = invoice
        self.days = days
        self.suspendsOn = suspendsOn
        self.notice = notice
        self.notices = notices
    }
    enum CodingKeys: String, CodingKey {
        case invoice, days
        case suspendsOn = "suspends_on"
        case notice, notices
    }
}
