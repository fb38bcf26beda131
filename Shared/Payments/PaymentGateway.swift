/// A payment provider, as checkout and billing use it.
public protocol PaymentGateway: Sendable {
    /// Creates a payment the customer confirms (checkout); the result arrives by webhook.
    func createPaymentIntent(_ request: PaymentRequest, idempotencyKey: String) async throws -> PaymentIntent
    /// Charges a saved payment method now, without the customer (billing).
    func chargeOffSession(_ request: PaymentRequest, customer: String, paymentMethod: String,
                          idempotencyKey: String) async throws -> PaymentIntent
}

public struct PaymentRequest: Sendable {
    /// Minor units of `currency`.
    public var amount: Int
    /// ISO 4217; sent lower-case as the provider expects.
    public var currency: String
    public var description: String
    public var metadata: [String: String]

    public init(amount: Int, currency: String, description: String, metadata: [String: String]) {
        self.amount = amount
        self.currency = currency
        self.description = description
        self.metadata = metadata
    }
}

/// A provider's payment object (Stripe's PaymentIntent).
public struct PaymentIntent: Sendable, Codable, Equatable {
    public var id: String
    /// `requires_payment_method`, `requires_confirmation`, `processing`, `succeeded`, `canceled` …
    public var status: String
    public var amount: Int
    public var currency: String
    public var clientSecret: String?
    public var metadata: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, status, amount, currency, clientSecret = "client_secret", metadata
    }
}

/// Why a payment call failed, in the provider's terms.
public enum PaymentError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The card or method was refused (`card_error`); `code` such as `card_declined`.
    case declined(code: String, message: String)
    /// The request was wrong (`invalid_request_error`, `idempotency_error`, 401/404).
    case invalid(String)
    /// No usable answer: timeout, connection, 429 or 5xx. Safe to retry with the same key.
    case unavailable(String)

    public var description: String {
        switch self {
        case .declined(let code, let message): "payment declined (\(code)): \(message)"
        case .invalid(let message): "payment request invalid: \(message)"
        case .unavailable(let message): "payment provider unavailable: \(message)"
        }
    }
}
