/// The fields of a Stripe event envelope every receiver reads first.
public struct StripeEventHeader: Sendable, Decodable {
    public let id: String
    public let type: String
    public let created: Int
}

/// A Stripe event whose `data.object` is `Object` (a PaymentIntent for `payment_intent.*`).
public struct StripeEvent<Object: Decodable & Sendable>: Sendable, Decodable {
    public let id: String
    public let type: String
    public let data: Payload

    public struct Payload: Sendable, Decodable {
        public let object: Object
    }
}
