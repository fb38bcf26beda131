import Foundation
import HTTPTypes
import Hummingbird
import Payments
import ServiceRuntime

/// `POST /webhooks/stripe`: verifies `Stripe-Signature` over the raw body, then records the
/// event once. A bad signature is 400 and changes nothing; a replayed event is 200 and
/// changes nothing.
struct StripeWebhookController: Sendable {
    let store: OrderStore
    let signature: WebhookSignature

    struct Reply: Encodable { let received: Bool; let outcome: String }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("webhooks/stripe") { request, _ -> Response in
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1024 * 1024))
            do {
                try signature.verify(body, header: request.headers[HTTPField.Name("Stripe-Signature")!] ?? "")
            } catch {
                store.logger.warning("webhook refused", metadata: ["reason": "\(error)"])
                throw APIError(.badRequest, code: "invalid_signature", "\(error)")
            }
            let decoder = JSONDecoder()
            guard let header = try? decoder.decode(StripeEventHeader.self, from: Data(body)) else {
                throw APIError(.badRequest, code: "malformed_event", "the body is not a Stripe event")
            }
            let intent = header.type.hasPrefix("payment_intent.")
                ? try? decoder.decode(StripeEvent<PaymentIntent>.self, from: Data(body)).data.object : nil
            let outcome = try await store.record(eventID: header.id, type: header.type, intent: intent)
            return APIResponse.json(Reply(received: true, outcome: outcome.rawValue))
        }
    }
}
