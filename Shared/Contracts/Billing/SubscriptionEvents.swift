import Foundation

/// A subscription will end on `effectiveOn` (today for "now"): nothing is invoiced from then.
public struct SubscriptionCancellationRequested: Event {
    public static let wireName = "subscription.cancellation-requested"
    public static let publisher = "billing"
    public var subscriptionID: UUID
    public var customerID: UUID
    public var customerEmail: String
    public var customerName: String
    public var accountID: UUID?
    public var domain: String?
    public var productName: String
    /// `yyyy-MM-dd`.
    public var effectiveOn: String
    /// Who asked: `customer`, or the operator's name or token role.
    public var actor: String
    public init(
        subscriptionID: UUID, customerID: UUID, customerEmail: String, customerName: String, accountID: UUID?,
        domain: String?,
        productName: String, effectiveOn: String, actor: String
    ) {
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.accountID = accountID
        self.domain = domain
        self.productName = productName
        self.effectiveOn = effectiveOn
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case subscriptionID = "subscription_id"
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case accountID = "account_id"
        case domain
        case productName = "product_name"
        case effectiveOn = "effective_on"
        case actor
    }
}

/// A subscription ended by cancellation: its account is being terminated.
public struct SubscriptionCancelled: Event {
    public static let wireName = "subscription.cancelled"
    public static let publisher = "billing"
    public var subscriptionID: UUID
    public var customerID: UUID
    public var accountID: UUID?
    public var domain: String?
    public var actor: String
    public init(subscriptionID: UUID, customerID: UUID, accountID: UUID?, domain: String?, actor: String) {
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.accountID = accountID
        self.domain = domain
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case subscriptionID = "subscription_id"
        case customerID = "customer_id"
        case accountID = "account_id"
        case domain, actor
    }
}
