import Contracts
import ExternalHTTP
import Foundation
import HTTPSupport
import Hummingbird
import Payments
import Persistence
import PortalTokens
import ServiceKit

/// Billing's settings, read from the environment (docs/configuration.md).
public struct BillingSettings: Sendable {
    public var gateway: any PaymentGateway
    /// Verifies payment webhooks sent to billing's own endpoint.
    public var webhookSignature: WebhookSignature
    public var apiTokens: APITokens
    /// Days before the due date an invoice is issued.
    public var invoiceDaysBefore: Int
    /// Days after the due date at which a declined charge is tried again, in order.
    public var retryDays: [Int]
    /// Days before the due date an unpaid invoice without a saved card is reminded.
    public var reminderDaysBefore: Int
    /// Days past due before the account is suspended.
    public var graceDays: Int
    /// Days past due of the first, second and third overdue notice (`HOSTWIRE_BILLING_OVERDUE_NOTICE_DAYS`).
    public var overdueNoticeDays = [1, 7, 14]
    /// The fee added, as an invoice of its own, to a period invoice still unpaid
    /// `lateFeeAfterDays` past due (`HOSTWIRE_BILLING_LATE_FEE`, `…_AFTER_DAYS`); `nil`: none.
    public var lateFee: LateFee?
    public var lateFeeAfterDays = 10
    /// Days past due before the account is terminated; `nil` never terminates.
    public var terminateAfterDays: Int?
    /// Verifies the portal's customer tokens; without it `/api/customer` is not served.
    public var customers: CustomerAuthentication?
    /// The headless browser that prints each issued invoice to PDF
    /// (`HOSTWIRE_INVOICE_PDF_BROWSER`); without it no PDFs are made.
    public var invoicePDFBrowser: String?
    /// The seller on the invoices' PDFs (`HOSTWIRE_COMPANY_NAME`, `HOSTWIRE_SUPPORT_EMAIL`).
    public var companyName = "Hostwire"
    public var supportEmail = "support@hostwire.local"
    /// The host's country (`HOSTWIRE_SELLER_COUNTRY`), for the EU reverse charge.
    public var sellerCountry: String?
    /// Prices include the tax (`HOSTWIRE_PRICES_INCLUDE_TAX`, as checkout reads it): an invoice's
    /// total is its lines' sum and its tax the part of it the rate makes up.
    public var pricesIncludeTax = false
    /// One invoice per customer, due date and currency, a line per subscription
    /// (`HOSTWIRE_BILLING_ONE_INVOICE_PER_DUE_DATE`); `false`: one per subscription.
    public var oneInvoicePerDueDate = true
    /// Subscriptions the daily run invoices per committed batch (`HOSTWIRE_BILLING_BATCH_SIZE`).
    public var invoicingBatchSize = 10_000
    /// The version `invoice.created` is published under (`HOSTWIRE_BILLING_INVOICE_CREATED_VERSION`):
    /// 1 while consumers built before version 2 still run, 2 once they are all replaced.
    public var invoiceCreatedVersion = InvoiceCreated.version
    /// Checkout's API, whose public catalog prices plan changes (`HOSTWIRE_CHECKOUT_URL`).
    public var checkoutURL = "http://127.0.0.1:8081"

    public init(
        gateway: any PaymentGateway, webhookSignature: WebhookSignature, apiTokens: APITokens,
        invoiceDaysBefore: Int = 7, retryDays: [Int] = [1, 3, 5], reminderDaysBefore: Int = 3,
        graceDays: Int = 3, terminateAfterDays: Int? = 30
    ) {
        self.gateway = gateway
        self.webhookSignature = webhookSignature
        self.apiTokens = apiTokens
        self.invoiceDaysBefore = invoiceDaysBefore
        self.retryDays = retryDays
        self.reminderDaysBefore = reminderDaysBefore
        self.graceDays = graceDays
        self.terminateAfterDays = terminateAfterDays
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> BillingSettings
    {
        guard let secretKey = try environment.secret("HOSTWIRE_STRIPE_SECRET_KEY") else {
            throw SettingsError("HOSTWIRE_STRIPE_SECRET_KEY is required")
        }
        guard let webhookSecret = try environment.secret("HOSTWIRE_BILLING_WEBHOOK_SECRET") else {
            throw SettingsError("HOSTWIRE_BILLING_WEBHOOK_SECRET is required")
        }
        let retryText = environment.string("HOSTWIRE_BILLING_RETRY_DAYS", default: "1,3,5")
        let retryDays = retryText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard retryDays.count == retryText.split(separator: ",").count, retryDays == retryDays.sorted(),
            retryDays.allSatisfy({ $0 > 0 })
        else {
            throw SettingsError("HOSTWIRE_BILLING_RETRY_DAYS is a rising list of days, such as 1,3,5")
        }
        let terminate = try environment.int("HOSTWIRE_BILLING_TERMINATE_AFTER_DAYS", default: 30)
        var settings = BillingSettings(
            gateway: StripeGateway(
                baseURL: environment.string("HOSTWIRE_STRIPE_API_URL", default: "https://api.stripe.com"),
                secretKey: secretKey,
                timeout: .seconds(try environment.int("HOSTWIRE_STRIPE_TIMEOUT_SECONDS", default: 30))),
            webhookSignature: WebhookSignature(secret: webhookSecret),
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""),
            invoiceDaysBefore: try environment.int("HOSTWIRE_BILLING_INVOICE_DAYS_BEFORE", default: 7),
            retryDays: retryDays,
            reminderDaysBefore: try environment.int("HOSTWIRE_BILLING_REMINDER_DAYS_BEFORE", default: 3),
            graceDays: try environment.int("HOSTWIRE_BILLING_GRACE_DAYS", default: 3),
            terminateAfterDays: terminate > 0 ? terminate : nil)
        if let browser = environment.optional("HOSTWIRE_INVOICE_PDF_BROWSER") {
            guard let path = PDFPrinter.executable(browser, path: environment.string("PATH", default: "/usr/bin:/bin"))
            else { throw SettingsError("HOSTWIRE_INVOICE_PDF_BROWSER: no executable \(browser)") }
            settings.invoicePDFBrowser = path
        }
        settings.companyName = environment.string("HOSTWIRE_COMPANY_NAME", default: "Hostwire")
        settings.supportEmail = environment.string("HOSTWIRE_SUPPORT_EMAIL", default: "support@hostwire.local")
        settings.checkoutURL = environment.string("HOSTWIRE_CHECKOUT_URL", default: settings.checkoutURL)
        settings.sellerCountry = try SellerCountry.load(environment)
        let noticeText = environment.string("HOSTWIRE_BILLING_OVERDUE_NOTICE_DAYS", default: "1,7,14")
        let notices = noticeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...3).contains(notices.count), notices.count == noticeText.split(separator: ",").count,
            notices.first.map({ $0 >= 1 }) ?? false, zip(notices, notices.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw SettingsError(
                "HOSTWIRE_BILLING_OVERDUE_NOTICE_DAYS is one to three rising days past due, such as 1,7,14")
        }
        settings.overdueNoticeDays = notices
        if let fee = environment.optional("HOSTWIRE_BILLING_LATE_FEE") {
            guard let parsed = LateFee(parsing: fee) else {
                throw SettingsError("HOSTWIRE_BILLING_LATE_FEE is an amount in minor units (500) or a percentage (10%)")
            }
            settings.lateFee = parsed
        }
        settings.lateFeeAfterDays = try environment.int("HOSTWIRE_BILLING_LATE_FEE_AFTER_DAYS", default: 10)
        guard settings.lateFeeAfterDays >= 1 else {
            throw SettingsError("HOSTWIRE_BILLING_LATE_FEE_AFTER_DAYS is 1 or more")
        }
        settings.pricesIncludeTax = try environment.bool("HOSTWIRE_PRICES_INCLUDE_TAX", default: false)
        settings.oneInvoicePerDueDate = try environment.bool("HOSTWIRE_BILLING_ONE_INVOICE_PER_DUE_DATE", default: true)
        settings.invoicingBatchSize = try environment.int("HOSTWIRE_BILLING_BATCH_SIZE", default: 10_000)
        guard (1...100_000).contains(settings.invoicingBatchSize) else {
            throw SettingsError("HOSTWIRE_BILLING_BATCH_SIZE is 1 to 100000")
        }
        settings.invoiceCreatedVersion = try environment.int(
            "HOSTWIRE_BILLING_INVOICE_CREATED_VERSION", default: InvoiceCreated.version)
        guard (1...InvoiceCreated.version).contains(settings.invoiceCreatedVersion) else {
            throw SettingsError("HOSTWIRE_BILLING_INVOICE_CREATED_VERSION is 1 to \(InvoiceCreated.version)")
        }
        return settings
    }
}

/// The billing service: subscriptions from paid orders, invoices each period, automatic
/// charges with retries, dunning that suspends, unsuspends and terminates.
public func buildBilling(_ settings: BillingSettings) -> ServiceDefinition {
    var definition = ServiceDefinition(name: "billing")
    definition.apiTokens = settings.apiTokens
    SubscriptionEvents(settings: settings).register(in: &definition)
    CustomerEvents.register(in: &definition)
    InvoiceDocuments(settings: settings).register(in: &definition)
    ChargeInvoice(settings: settings).register(in: &definition)
    Invoicing(settings: settings).register(in: &definition)
    Refunds(gateway: settings.gateway).register(in: &definition)
    definition.routes = { router, dependencies in
        let ledger = PaymentLedger(settings: settings)
        BillingWebhookController(
            dependencies: dependencies, ledger: ledger, signature: settings.webhookSignature,
            gateway: settings.gateway
        )
        .addRoutes(to: router)
        let api = router.group("api/billing").add(
            middleware: BearerAuthMiddleware(
                tokens: settings.apiTokens,
                policy: AdminPolicy([
                    "POST /api/billing/subscriptions/*/cancellation": .manageBilling,
                    "DELETE /api/billing/subscriptions/*/cancellation": .manageBilling,
                    "POST /api/billing/invoices/*/payments": .manageBilling,
                    "POST /api/billing/invoices/*/void": .manageBilling,
                    "POST /api/billing/invoices/*/credit-notes": .refund,
                    "POST /api/billing/customers/*/credits": .manageBilling,
                    "POST /api/billing/runs": .manageBilling,
                    "POST /api/billing/subscriptions/*/plan-change": .manageBilling,
                    "PUT /api/billing/tax-rates/*": .manageBilling, "POST /api/billing/payments/*/refund": .refund,
                ]), audit: dependencies.store))
        BillingController(dependencies: dependencies, settings: settings, ledger: ledger).addRoutes(to: api)
        let planChanges = PlanChangeController(
            store: dependencies.store,
            catalog: ProductCatalog(checkout: ExternalHTTPClient(baseURL: settings.checkoutURL, timeout: .seconds(10))),
            changes: PlanChanges(settings: settings))
        planChanges.addRoutes(to: api) { _ in nil }
        if let customers = settings.customers {
            let api = router.group("api/customer")
            planChanges.addRoutes(to: api) { try await customers.customer($0) }
            CustomerBillingController(
                queries: InvoiceQueries(database: dependencies.database), customers: customers,
                store: dependencies.store, settings: settings
            )
            .addRoutes(to: api)
            CustomerProfileController(
                customers: customers, database: dependencies.database, seller: settings.sellerCountry
            ).addRoutes(to: api)
            CustomerCardController(
                customers: customers,
                paymentCustomers: PaymentCustomers(database: dependencies.database, gateway: settings.gateway)
            )
            .addRoutes(to: api)
        }
    }
    return definition
}
