import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Logging
import Payments

/// `POST /webhooks/stripe`: verifies `Stripe-Signature` over the raw body, then records the
/// event once. A bad signature is 400 and changes nothing; a replayed event is 200 and
/// changes nothing.
struct StripeWebhookController: Sendable {
    let store: OrderStore
    let signature: WebhookSignature

    struct Reply: Encodable {
        let received: Bool
        let outcome: String
    }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.post("webhooks/stripe") { request, _ -> Response in
            let (body, signatureHeader) = try await WebhookBody.read(request, header: "Stripe-Signature")
            let event: VerifiedStripeEvent
            do throws(WebhookRejection) {
                event = try signature.verifiedEvent(body, header: signatureHeader)
            } catch {
                store.logger.warning("webhook refused", metadata: ["reason": "\(error)"])
                throw APIError(.badRequest, code: error.code, error.description)
            }
            let outcome = try await store.record(
                eventID: event.header.id, type: event.header.type, intent: event.intent)
            return APIResponse.json(Reply(received: true, outcome: outcome.rawValue))
        }
    }
}
