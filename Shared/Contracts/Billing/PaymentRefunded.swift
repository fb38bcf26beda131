import Foundation

/// Why money went back to a customer without the customer asking.
public enum RefundReason: String, Codable, Sendable {
    /// The account the payment was for could not be created.
    case undelivered
    /// A second payment for an order already paid.
    case duplicate
    /// A payment whose amount or currency is not the order's.
    case wrongAmount = "wrong_amount"
    /// A payment for an order that had expired or been cancelled.
    case orderEnded = "order_ended"
    /// An operator refunded it.
    case requested
}

/// Billing returned (part of) a payment to the customer.
public struct PaymentRefunded: Event {
    public static let wireName = "payment.refunded"
    public static let publisher = "billing"
    public var paymentID: UUID
    public var invoiceID: UUID
    public var customerID: UUID
    public var customerEmail: String
    public var customerName: String
    /// The provider's refund reference.
    public var refundReference: String
    /// Minor units.
    public var amount: Int
    public var currency: String
    public var reason: RefundReason
    /// Who refunded: `billing` for an automatic refund, else the operator.
    public var actor: String
    public init(
        paymentID: UUID, invoiceID: UUID, customerID: UUID, customerEmail: String, customerName: String,
        refundReference: String, amount: Int, currency: String, reason: RefundReason, actor: String
    ) {
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.refundReference = refundReference
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case invoiceID = "invoice_id"
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case refundReference = "refund_reference"
        case amount, currency, reason, actor
    }
}
