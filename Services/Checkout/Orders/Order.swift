import Foundation

/// Where an order is, as stored in `orders.status` (the table's CHECK lists the same).
enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pendingPayment = "pending_payment"
    case paid, cancelled, closed
}

/// An order as the API shows it.
struct Order: Codable, Sendable {
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
    let amount: Int
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
        case amount, currency, domain, status, payment
        case createdAt = "created_at"
        case paidAt = "paid_at"
    }
}
