import Contracts
import Foundation
import HTTPSupport
import Hummingbird
import Payments
import Persistence
import ServiceKit

/// Checkout's settings, read from the environment (docs/configuration.md).
public struct CheckoutSettings: Sendable {
    public var gateway: any PaymentGateway
    public var webhookSignature: WebhookSignature
    public var apiTokens: APITokens
    /// Verifies the portal's customer tokens; without it `/api/customer` is not served.
    public var customers: CustomerAuthentication?
    /// How long an unpaid order keeps its domain (`HOSTWIRE_ORDER_EXPIRY_HOURS`).
    public var orderExpiry: Duration = .seconds(48 * 3600)
    /// Orders placed per client address (and per email, per customer) in an hour
    /// (`HOSTWIRE_ORDER_RATE_LIMIT`; 0 turns the limit off, for load tests).
    public var orderRateLimit = 20
    /// Paid orders not yet provisioned beyond which new orders are refused with 503
    /// (`HOSTWIRE_ORDER_BACKLOG_LIMIT`; 0 turns the bound off).
    public var orderBacklogLimit = 500
    /// Whose `X-Forwarded-For` names the client (`HOSTWIRE_TRUSTED_PROXIES`).
    public var addresses = ClientAddress()
    /// The host's country (`HOSTWIRE_SELLER_COUNTRY`): an EU business customer in another
    /// member state pays no VAT (reverse charge); unset, nobody is reverse-charged.
    public var sellerCountry: String?
    /// Catalog prices include the tax (`HOSTWIRE_PRICES_INCLUDE_TAX`, billing reads it too):
    /// the customer pays the price, the tax is the part of it the rate makes up.
    public var pricesIncludeTax = false

    public init(gateway: any PaymentGateway, webhookSignature: WebhookSignature, apiTokens: APITokens) {
        self.gateway = gateway
        self.webhookSignature = webhookSignature
        self.apiTokens = apiTokens
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) throws
        -> CheckoutSettings
    {
        guard let secretKey = try environment.secret("HOSTWIRE_STRIPE_SECRET_KEY") else {
            throw SettingsError("HOSTWIRE_STRIPE_SECRET_KEY is required")
        }
        guard let webhookSecret = try environment.secret("HOSTWIRE_STRIPE_WEBHOOK_SECRET") else {
            throw SettingsError("HOSTWIRE_STRIPE_WEBHOOK_SECRET is required")
        }
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: environment.string("HOSTWIRE_STRIPE_API_URL", default: "https://api.stripe.com"),
                secretKey: secretKey,
                timeout: .seconds(try environment.int("HOSTWIRE_STRIPE_TIMEOUT_SECONDS", default: 30))),
            webhookSignature: WebhookSignature(secret: webhookSecret),
            apiTokens: try APITokens(parsing: try environment.secret("HOSTWIRE_API_TOKENS") ?? ""))
        let hours = try environment.int("HOSTWIRE_ORDER_EXPIRY_HOURS", default: 48)
        guard hours > 0 else { throw SettingsError("HOSTWIRE_ORDER_EXPIRY_HOURS is a number of hours above 0") }
        settings.orderExpiry = .seconds(hours * 3600)
        settings.orderRateLimit = max(0, try environment.int("HOSTWIRE_ORDER_RATE_LIMIT", default: 20))
        settings.orderBacklogLimit = max(0, try environment.int("HOSTWIRE_ORDER_BACKLOG_LIMIT", default: 500))
        settings.addresses = ClientAddress.load(environment)
        settings.sellerCountry = try SellerCountry.load(environment)
        settings.pricesIncludeTax = try environment.bool("HOSTWIRE_PRICES_INCLUDE_TAX", default: false)
        return settings
    }
}

/// The checkout service: catalog, orders and the payment webhook.
public func buildCheckout(_ settings: CheckoutSettings) -> ServiceDefinition {
    var definition = ServiceDefinition(name: "checkout")
    definition.apiTokens = settings.apiTokens
    OrderLifecycle(gateway: settings.gateway, expiry: settings.orderExpiry).register(in: &definition)
    StrayPayments(gateway: settings.gateway).register(in: &definition)
    CustomerEmailController.register(gateway: settings.gateway, in: &definition)
    CustomerErasure.register(gateway: settings.gateway, in: &definition)
    TaxRateCopy.register(in: &definition)
    definition.routes = { router, dependencies in
        let store = OrderStore(store: dependencies.store, pricesIncludeTax: settings.pricesIncludeTax)
        let admin = BearerAuthMiddleware(tokens: settings.apiTokens, audit: dependencies.store)
        CatalogController(products: ProductStore(database: dependencies.database), admin: admin).addRoutes(to: router)
        let limits = OrderLimits(
            limiter: RateLimiter(database: dependencies.database), perHour: settings.orderRateLimit,
            addresses: settings.addresses,
            backlog: OrderBacklog(limit: settings.orderBacklogLimit, database: dependencies.database))
        OrdersController(
            store: store, gateway: settings.gateway, admin: admin, limits: limits, seller: settings.sellerCountry
        ).addRoutes(to: router)
        StripeWebhookController(store: store, signature: settings.webhookSignature).addRoutes(to: router)
        if let customers = settings.customers {
            let api = router.group("api/customer")
            CustomerLinkController(database: dependencies.database, customers: customers).addRoutes(to: api)
            CustomerEmailController(store: dependencies.store, customers: customers).addRoutes(to: api)
            CustomerOrdersController(
                store: store, gateway: settings.gateway, customers: customers, limits: limits,
                seller: settings.sellerCountry
            ).addRoutes(to: api)
        }
    }
    return definition
}
