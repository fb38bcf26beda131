import Foundation

/// A customer placed an order; it waits for payment.
public struct OrderPlaced: Event {
    public static let wireName = "order.placed"
    public static let publisher = "checkout"

    public var orderID: UUID
    public var customerID: UUID
    public var customerEmail: String
    public var customerName: String
    public var productName: String
    public var billingCycle: String
    public var amount: Int
    public var currency: String
    public var domain: String?

    public init(
        orderID: UUID, customerID: UUID, customerEmail: String, customerName: String, productName: String,
        billingCycle: String, amount: Int, currency: String, domain: String?
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.productName = productName
        self.billingCycle = billingCycle
        self.amount = amount
        self.currency = currency
        self.domain = domain
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case productName = "product_name"
        case billingCycle = "billing_cycle"
        case amount, currency, domain
    }
}
