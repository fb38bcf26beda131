import Foundation

/// A payment provider, as checkout and billing use it.
public protocol PaymentGateway: Sendable {
    /// Creates the provider's customer, to whom a card is saved for later charges.
    func createCustomer(email: String, name: String?, metadata: [String: String], idempotencyKey: String) async throws
        -> String
    /// Changes the email the provider's customer gets receipts at (`POST /v1/customers/{id}`).
    func updateCustomer(_ customer: String, email: String, idempotencyKey: String) async throws
    /// Deletes the provider's customer and the cards saved to them (`DELETE /v1/customers/{id}`);
    /// one already gone counts as deleted.
    func deleteCustomer(_ customer: String) async throws
    /// Creates a payment the customer confirms (checkout); the result arrives by webhook.
    /// With a `customer`, the card is saved to them for off-session charges.
    func createPaymentIntent(_ request: PaymentRequest, customer: String?, idempotencyKey: String) async throws
        -> PaymentIntent
    /// Charges a saved payment method now, without the customer (billing).
    func chargeOffSession(
        _ request: PaymentRequest, customer: String, paymentMethod: String,
        idempotencyKey: String
    ) async throws -> PaymentIntent
    /// Returns `amount` (minor units) of a succeeded payment to the customer.
    func refund(payment: String, amount: Int, idempotencyKey: String) async throws -> PaymentRefund
    /// Cancels a payment not yet made, so it can no longer be; a succeeded one is refused
    /// (`PaymentError.invalid`).
    func cancelPayment(_ payment: String, idempotencyKey: String) async throws -> PaymentIntent
    /// A page on the provider's site where the customer pays `request` (the card saved to
    /// `customer` for off-session charges); the outcome arrives by webhook, the metadata on
    /// the payment it makes.
    func createCheckoutPage(
        _ request: PaymentRequest, customer: String, returnTo: CheckoutReturn,
        idempotencyKey: String
    ) async throws -> CheckoutPage
    /// A page on the provider's site where `customer` saves a new card for off-session
    /// charges (Stripe Checkout in `setup` mode); the card arrives by webhook
    /// (`setup_intent.succeeded`).
    func createCardSetupPage(customer: String, returnTo: CheckoutReturn, idempotencyKey: String) async throws
        -> CheckoutPage
    /// The cards saved to `customer`, newest first.
    func savedCards(customer: String) async throws -> [SavedCard]
}

/// A card saved to a provider's customer, as it may be shown: never its number.
public struct SavedCard: Sendable, Equatable {
    /// The provider's payment method (`pm_…`).
    public var id: String
    public var brand: String
    public var last4: String
    public var expiryMonth: Int
    public var expiryYear: Int
}

/// Where the provider's payment page sends the customer back to.
public struct CheckoutReturn: Sendable {
    public var success: String
    public var cancel: String

    public init(success: String, cancel: String) {
        self.success = success
        self.cancel = cancel
    }

    /// The field (`success_url` or `cancel_url`) that is not an http or https URL with a
    /// host, if any; `{PLACEHOLDERS}` such as `{ORDER_ID}` are allowed.
    public var invalidField: String? {
        for (field, url) in [("success_url", success), ("cancel_url", cancel)] {
            let concrete = url.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
            guard url.count <= 2000, let parsed = URL(string: concrete),
                ["http", "https"].contains(parsed.scheme ?? ""),
                parsed.host != nil
            else { return field }
        }
        return nil
    }
}

/// A provider's hosted payment page (Stripe's Checkout Session).
public struct CheckoutPage: Sendable, Codable, Equatable {
    public var id: String
    /// `open`, `complete` or `expired`; only an open one has a `url`.
    public var status: String
    public var url: String?
}

/// A provider's refund object (Stripe's Refund).
public struct PaymentRefund: Sendable, Codable, Equatable {
    public var id: String
    /// `pending`, `succeeded`, `failed` or `canceled`.
    public var status: String
    public var amount: Int
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
    /// The provider's customer and the payment method used, once known.
    public var customer: String?
    public var paymentMethod: String?

    enum CodingKeys: String, CodingKey {
        case id, status, amount, currency
        case clientSecret = "client_secret"
        case metadata, customer
        case paymentMethod = "payment_method"
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
