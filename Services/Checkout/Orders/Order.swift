import Foundation
import Persistence
import PostgresNIO

/// Where an order is, as stored in `orders.status` (the table's CHECK lists the same).
enum OrderStatus: String, StoredState, CaseIterable {
    case pendingPayment = "pending_payment"
    case paid, cancelled, closed
}

/// An order as the API shows it.
struct Order: Encodable, Sendable {
    struct Payment: Codable, Sendable {
        let provider: String
        let paymentIntent: String?
        let clientSecret: String?
        enum CodingKeys: String, CodingKey {
            case provider
            case paymentIntent = "payment_intent"
            case clientSecret = "client_secret"
        }
    }

    let id: UUID
    let customerID: UUID
    let customerEmail: String
    let productID: UUID
    let productName: String
    let billingCycle: String
    /// The catalog price, before tax.
    let amount: Int
    /// The tax charged on top (none under a reverse charge or without a rate for the country).
    var tax = 0
    let currency: String
    let domain: String?
    let status: OrderStatus
    var payment: Payment
    let createdAt: Date
    let paidAt: Date?
    /// The payment provider's customer for the order's customer, once made; not shown.
    var paymentCustomer: String? = nil

    enum CodingKeys: String, CodingKey {
        case id
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case productID = "product_id"
        case productName = "product_name"
        case billingCycle = "billing_cycle"
        case amount, tax, total, currency, domain, status, payment
        case createdAt = "created_at"
        case paidAt = "paid_at"
    }

    /// What the customer pays: the price and its tax.
    var total: Int { amount + tax }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(customerID, forKey: .customerID)
        try container.encode(customerEmail, forKey: .customerEmail)
        try container.encode(productID, forKey: .productID)
        try container.encode(productName, forKey: .productName)
        try container.encode(billingCycle, forKey: .billingCycle)
        try container.encode(amount, forKey: .amount)
        try container.encode(tax, forKey: .tax)
        try container.encode(total, forKey: .total)
        try container.encode(currency, forKey: .currency)
        try container.encode(domain, forKey: .domain)
        try container.encode(status, forKey: .status)
        try container.encode(payment, forKey: .payment)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(paidAt, forKey: .paidAt)
    }
}

extension Order {
    /// Reads a row of ``OrderStore/orders(id:customer:status:limit:offset:)``: the order's
    /// columns with the customer's `email` and `payment_customer` and the product's `product_name`.
    init(row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        id = try cells["id"].decode(UUID.self)
        customerID = try cells["customer_id"].decode(UUID.self)
        customerEmail = try cells["email"].decode(String.self)
        productID = try cells["product_id"].decode(UUID.self)
        productName = try cells["product_name"].decode(String.self)
        billingCycle = try cells["billing_cycle"].decode(String.self)
        amount = try cells["amount"].decode(Int.self)
        tax = try cells["tax"].decode(Int.self)
        currency = try cells["currency"].decode(String.self)
        domain = try cells["domain"].decode(String?.self)
        status = try cells["status"].decode(OrderStatus.self)
        payment = Payment(
            provider: "stripe", paymentIntent: try cells["payment_intent"].decode(String?.self),
            clientSecret: try cells["payment_client_secret"].decode(String?.self))
        createdAt = try cells["created_at"].decode(Date.self)
        paidAt = try cells["paid_at"].decode(Date?.self)
        paymentCustomer = try cells["payment_customer"].decode(String?.self)
    }
}
