import Contracts
import Foundation

/// A product of checkout's catalog.
typealias Product = CatalogProduct

/// A hosting account, as provisioning shows it to its owner.
struct HostingAccount: Decodable, Sendable {
    let id: UUID
    let orderID: UUID?
    let domain: String
    let plan: String
    let status: String
    let step: String
    let server: String?
    let username: String?
    let suspendReason: String?
    let createdAt: Date
    let provisionedAt: Date?
    /// The last day measured on the panel; `nil` before the first daily sync.
    let usage: AccountUsageDay?
    /// The backups kept; `nil` from a provisioning that does not say.
    let backups: AccountBackupSummary?

    enum CodingKeys: String, CodingKey {
        case id
        case orderID = "order_id"
        case domain, plan, status, step, server, username
        case suspendReason = "suspend_reason"
        case createdAt = "created_at"
        case provisionedAt = "provisioned_at"
        case usage, backups
    }
}

/// An invoice, as billing shows it to its customer.
struct Invoice: Decodable, Sendable {
    let id: UUID
    let number: String
    let periodStart: String
    let periodEnd: String
    let issuedOn: String
    let dueOn: String
    let subtotal: Int
    let tax: Int
    let total: Int
    let currency: String
    let status: String
    let amountPaid: Int
    let paidAt: Date?
    let lines: [Line]?
    let payments: [Payment]?
    /// Whom it is made out to, as they were when it was issued.
    let billTo: BillTo?
    /// The credit notes that cancelled or corrected it.
    let creditNotes: [CreditNote]?

    struct CreditNote: Decodable, Sendable {
        let number: String
        let amount: Int
        let currency: String
        /// `cancellation`, `refund` or `credit`.
        let settlement: String
        let createdAt: Date
        enum CodingKeys: String, CodingKey {
            case number, amount, currency, settlement
            case createdAt = "created_at"
        }
    }

    struct Line: Decodable, Sendable {
        let position: Int
        let description: String
        let amount: Int
    }

    struct Payment: Decodable, Sendable {
        let method: String
        let amount: Int
        let currency: String
        let refunded: Int
        let createdAt: Date
        enum CodingKeys: String, CodingKey {
            case method, amount, currency, refunded
            case createdAt = "created_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, number
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case issuedOn = "issued_on"
        case dueOn = "due_on"
        case subtotal, tax, total, currency, status
        case amountPaid = "amount_paid"
        case paidAt = "paid_at"
        case lines, payments
        case billTo = "bill_to"
        case creditNotes = "credit_notes"
    }
}

/// What a customer owes, per currency.
struct Balance: Decodable, Sendable {
    let balances: [Amount]

    struct Amount: Decodable, Sendable {
        let currency: String
        let outstanding: Int
        let openInvoices: Int
        /// Credit the next invoices take first.
        let credit: Int?
        enum CodingKeys: String, CodingKey {
            case currency, outstanding
            case openInvoices = "open_invoices"
            case credit
        }
    }
}

/// What the portal asks checkout to place for the signed-in customer.
struct OrderRequest: Encodable, Sendable {
    let name: String
    let productID: UUID
    let billingCycle: String
    let currency: String
    let domain: String
    /// From the profile: what the order is taxed by (country, and an EU VAT number for the reverse charge).
    var country: String? = nil
    var vatID: String? = nil
    let successURL: String
    let cancelURL: String
    enum CodingKeys: String, CodingKey {
        case name
        case productID = "product_id"
        case billingCycle = "billing_cycle"
        case currency, domain, country
        case vatID = "vat_id"
        case successURL = "success_url"
        case cancelURL = "cancel_url"
    }
}

/// Where the payment page sends the customer back to.
/// An email sent to the customer; `text` only when one is asked for.
struct SentEmail: Decodable, Sendable {
    let id: UUID
    let subject: String
    let sentAt: Date
    let text: String?
    enum CodingKeys: String, CodingKey {
        case id, subject
        case sentAt = "sent_at"
        case text
    }
}

struct SentEmails: Decodable, Sendable { let items: [SentEmail] }

/// A one-time link into an account's control panel.
struct PanelLogin: Decodable, Sendable {
    let url: String
    let domain: String
}

/// A panel password change under way; `password` only when it was generated.
struct PanelPasswordChange: Decodable, Sendable {
    let password: String?
}

/// The card billing charges renewals to: what may be shown of it.
struct SavedCard: Decodable, Sendable {
    let brand: String
    let last4: String
    let expiryMonth: Int
    let expiryYear: Int
    enum CodingKeys: String, CodingKey {
        case brand, last4
        case expiryMonth = "exp_month"
        case expiryYear = "exp_year"
    }
}

struct SavedCardReply: Decodable, Sendable { let card: SavedCard? }

struct CardSetupPage: Decodable, Sendable {
    let setupPage: String?
    enum CodingKeys: String, CodingKey { case setupPage = "setup_page" }
}

struct ReturnURLs: Encodable, Sendable {
    let successURL: String
    let cancelURL: String
    enum CodingKeys: String, CodingKey {
        case successURL = "success_url"
        case cancelURL = "cancel_url"
    }
}

/// An order, as checkout shows it to its customer.
struct CustomerOrder: Decodable, Sendable {
    let id: UUID
    let productName: String
    let billingCycle: String
    let amount: Int
    let currency: String
    let domain: String?
    let status: String
    let createdAt: Date
    let paidAt: Date?
    enum CodingKeys: String, CodingKey {
        case id
        case productName = "product_name"
        case billingCycle = "billing_cycle"
        case amount, currency, domain, status
        case createdAt = "created_at"
        case paidAt = "paid_at"
    }
}

/// An order with the provider's page that pays it.
struct PlacedOrder: Decodable, Sendable {
    let order: CustomerOrder
    let paymentPage: String?
    enum CodingKeys: String, CodingKey {
        case order
        case paymentPage = "payment_page"
    }
}

/// A subscription, as billing shows it to its customer.
struct Subscription: Decodable, Sendable {
    let id: UUID
    let accountID: UUID?
    let productName: String
    let domain: String?
    let cycle: String
    let amount: Int
    let currency: String
    let nextDue: String
    let status: String
    let cancelOn: String?
    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case productName = "product_name"
        case domain, cycle, amount, currency
        case nextDue = "next_due"
        case status
        case cancelOn = "cancel_on"
    }
}

/// A DNS zone of the customer's, as DNS/SSL answers it.
struct DNSZone: Decodable, Sendable {
    let id: UUID
    let accountID: UUID
    let domain: String
    let status: String
    let nameservers: [String]
    let certificate: Certificate?
    let records: [Record]?

    struct Record: Decodable, Sendable {
        let name: String, type: String, ttl: Int, contents: [String], managed: Bool
    }

    /// The domain's newest TLS certificate: `pending`, `issued` (until `notAfter`) or `failed`.
    struct Certificate: Decodable, Sendable {
        let status: String
        let notAfter: Date?
        enum CodingKeys: String, CodingKey {
            case status
            case notAfter = "not_after"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "account_id"
        case domain, status, nameservers, certificate, records
    }
}

/// One record set as the customer sets it.
struct DNSRecordEdit: Encodable, Sendable {
    let name: String
    let type: String
    let ttl: Int?
    let contents: [String]
}

/// What changing a service's plan costs or gives back for the days left, as billing prices it.
struct PlanChangeQuote: Decodable, Sendable {
    let direction: String
    let toProductID: UUID
    let toProductName: String
    let cycle: String
    let currency: String
    let newAmount: Int
    let periodEnd: String
    let daysLeft: Int
    let daysInPeriod: Int
    let prorated: Int
    let tax: Int
    let total: Int
    enum CodingKeys: String, CodingKey {
        case direction
        case toProductID = "to_product_id"
        case toProductName = "to_product_name"
        case cycle, currency
        case newAmount = "new_amount"
        case periodEnd = "period_end"
        case daysLeft = "days_left"
        case daysInPeriod = "days_in_period"
        case prorated, tax, total
    }
}

/// A plan change made: an upgrade's invoice to pay, or none (a downgrade, applied).
struct PlanChangeOutcome: Decodable, Sendable {
    let status: String
    let invoiceID: UUID?
    enum CodingKeys: String, CodingKey {
        case status
        case invoiceID = "invoice_id"
    }
}
