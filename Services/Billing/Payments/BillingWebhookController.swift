import Foundation
import HTTPTypes
import Hummingbird
import Payments
import ServiceRuntime

/// `POST /webhooks/stripe` on billing: a succeeded PaymentIntent carrying an `invoice_id`
/// pays that invoice, unless the charge's own answer credited it first (one payment per
/// PaymentIntent id). Everything else is acknowledged and ignored.
struct BillingWebhookController: Sendable {
    let dependencies: ServiceDependencies
    let ledger: PaymentLedger
    let signature: WebhookSignature

    struct Reply: Encodable { let received: Bool; let outcome: String }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("webhooks/stripe") { request, _ -> Response in
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1024 * 1024))
            do {
                try signature.verify(body, header: request.headers[HTTPField.Name("Stripe-Signature")!] ?? "")
            } catch {
                dependencies.logger.warning("webhook refused", metadata: ["reason": "\(error)"])
                throw APIError(.badRequest, code: "invalid_signature", "\(error)")
            }
            let decoder = JSONDecoder()
            guard let header = try? decoder.decode(StripeEventHeader.self, from: Data(body)) else {
                throw APIError(.badRequest, code: "malformed_event", "the body is not a Stripe event")
            }
            guard header.type == "payment_intent.succeeded",
                  let intent = try? decoder.decode(StripeEvent<PaymentIntent>.self, from: Data(body)).data.object,
                  let invoice = intent.metadata["invoice_id"].flatMap(UUID.init(uuidString:)) else {
                return APIResponse.json(Reply(received: true, outcome: "ignored"))
            }
            let (database, outbox, logger) = (dependencies.database, dependencies.outbox, dependencies.logger)
            let outcome = try await database.transaction { connection in
                try await ledger.record(.init(invoiceID: invoice, method: "webhook", reference: intent.id, amount: intent.amount,
                                              currency: intent.currency), connection: connection, outbox: outbox, logger: logger)
            }
            outbox.wakeRelay()
            return APIResponse.json(Reply(received: true, outcome: outcome.rawValue))
        }
    }
}
