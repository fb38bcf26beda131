import Foundation

/// An order as the API shows it.
struct Order: Codable, Sendable {
    struct Payment: Codable, Sendable {
        let provider: String
        let paymentIntent: String?
        let clientSecret: String?
        enum CodingKeys: String, CodingKey { case provider, paymentIntent = "payment_intent", clientSecret = "client_secret" }
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
    let status: String
    var payment: Payment
    let createdAt: Date
    let paidAt: Date?
    /// The payment provider's customer for the order's customer, once made; not shown.
    var paymentCustomer: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, customerID = "customer_id", customerEmail = "customer_email", productID = "product_id"
        case productName = "product_name", billingCycle = "billing_cycle", amount, currency, domain, status, payment
        case createdAt = "created_at", paidAt = "paid_at"
    }
}
