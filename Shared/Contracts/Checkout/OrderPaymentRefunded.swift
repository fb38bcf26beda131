import Foundation

/// Checkout refunded a payment that should not have happened: a second payment for a paid
/// order, a wrong amount, or a payment for an order that had ended.
public struct OrderPaymentRefunded: Event {
    public static let wireName = "order.payment-refunded"
    public static let publisher = "checkout"
    public var orderID: UUID
    public var customerEmail: String
    public var customerName: String
    /// The provider's payment the refund returns.
    public var paymentReference: String
    public var refundReference: String
    /// Minor units.
    public var amount: Int
    public var currency: String
    public var reason: RefundReason
    public init(
        orderID: UUID, customerEmail: String, customerName: String, paymentReference: String, refundReference: String,
        amount: Int, currency: String, reason: RefundReason
    ) {
        self.orderID = orderID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.paymentReference = paymentReference
        self.refundReference = refundReference
        self.amount = amount
        self.currency = currency
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case paymentReference = "payment_reference"
        case refundReference = "refund_reference"
        case amount, currency, reason
    }
}
