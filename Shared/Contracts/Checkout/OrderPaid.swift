import Foundation

/// An order's payment was confirmed by the payment provider.
public struct OrderPaid: Event {
    public static let wireName = "order.paid"
    public static let publisher = "checkout"

    public var orderID: UUID
    public var customerID: UUID
    public var productID: UUID
    /// Billing cycle: `monthly`, `quarterly`, `semi-annual` or `annual`.
    public var billingCycle: String
    /// Price in minor units of `currency`.
    public var amount: Int
    /// ISO 4217, upper case.
    public var currency: String
    public var domain: String?

    public init(orderID: UUID, customerID: UUID, productID: UUID, billingCycle: String, amount: Int, currency: String, domain: String?) {
        self.orderID = orderID
        self.customerID = customerID
        self.productID = productID
        self.billingCycle = billingCycle
        self.amount = amount
        self.currency = currency
        self.domain = domain
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", customerID = "customer_id", productID = "product_id"
        case billingCycle = "billing_cycle", amount, currency, domain
    }
}
