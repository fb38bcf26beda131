import Foundation

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

/// A webhook request whose signature checked out: its envelope, and its PaymentIntent when
/// it is a `payment_intent.*` event.
public struct VerifiedStripeEvent: Sendable {
    public let header: StripeEventHeader
    public let intent: PaymentIntent?
    /// The SetupIntent of a `setup_intent.*` event: a card saved for later charges.
    public let setupIntent: SetupIntent?
}

/// A provider's SetupIntent: a card saved to a customer without a payment.
public struct SetupIntent: Sendable, Decodable, Equatable {
    public var id: String
    public var status: String
    public var customer: String?
    public var paymentMethod: String?
    enum CodingKeys: String, CodingKey {
        case id, status, customer
        case paymentMethod = "payment_method"
    }
}

/// Why a webhook request was refused, before anything changed.
public enum WebhookRejection: Error, CustomStringConvertible, Sendable {
    case invalidSignature(WebhookSignatureError)
    case malformedEvent

    /// The API error code a receiver answers with.
    public var code: String {
        switch self {
        case .invalidSignature: "invalid_signature"
        case .malformedEvent: "malformed_event"
        }
    }

    public var description: String {
        switch self {
        case .invalidSignature(let error): "\(error)"
        case .malformedEvent: "the body is not a Stripe event"
        }
    }
}

extension WebhookSignature {
    /// Verifies `Stripe-Signature` over the raw body, then reads the event from it.
    public func verifiedEvent(_ body: [UInt8], header: String) throws(WebhookRejection) -> VerifiedStripeEvent {
        do throws(WebhookSignatureError) { try verify(body, header: header) } catch { throw .invalidSignature(error) }
        let decoder = JSONDecoder()
        guard let envelope = try? decoder.decode(StripeEventHeader.self, from: Data(body)) else {
            throw .malformedEvent
        }
        let intent =
            envelope.type.hasPrefix("payment_intent.")
            ? try? decoder.decode(StripeEvent<PaymentIntent>.self, from: Data(body)).data.object : nil
        let setup =
            envelope.type.hasPrefix("setup_intent.")
            ? try? decoder.decode(StripeEvent<SetupIntent>.self, from: Data(body)).data.object : nil
        return VerifiedStripeEvent(header: envelope, intent: intent, setupIntent: setup)
    }
}
