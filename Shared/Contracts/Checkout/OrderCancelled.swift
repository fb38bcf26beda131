import Foundation

/// An order ended unpaid: it expired, or someone cancelled it. Its domain is free again.
public struct OrderCancelled: Event {
    public static let wireName = "order.cancelled"
    public static let publisher = "checkout"

    public var orderID: UUID
    public var customerID: UUID
    public var domain: String?
    /// `expired` or `cancelled`.
    public var reason: String

    public init(orderID: UUID, customerID: UUID, domain: String?, reason: String) {
        self.orderID = orderID
        self.customerID = customerID
        self.domain = domain
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case domain, reason
    }
}
