import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Logging
import Payments
import PostgresNIO
import ServiceKit

/// `POST /webhooks/stripe` on billing: a succeeded PaymentIntent carrying an `invoice_id`
/// pays that invoice, unless the charge's own answer credited it first (one payment per
/// PaymentIntent id); a succeeded SetupIntent makes its card the one renewals charge.
/// Everything else is acknowledged and ignored.
struct BillingWebhookController: Sendable {
    let dependencies: ServiceDependencies
    let ledger: PaymentLedger
    let signature: WebhookSignature
    let gateway: any PaymentGateway

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
                dependencies.logger.warning("webhook refused", metadata: ["reason": "\(error)"])
                throw APIError(.badRequest, code: error.code, error.description)
            }
            // A card the customer saved to replace theirs: renewals charge it from now on.
            if event.header.type == "setup_intent.succeeded", let setup = event.setupIntent,
                setup.status == "succeeded",
                let customer = setup.customer, let method = setup.paymentMethod
            {
                try await PaymentCustomers(database: dependencies.database, gateway: gateway).useCard(
                    method, reference: customer)
                return APIResponse.json(Reply(received: true, outcome: "card_saved"))
            }
            guard event.header.type == "payment_intent.succeeded", let intent = event.intent,
                let invoice = intent.metadata["invoice_id"].flatMap(UUID.init(uuidString:))
            else {
                return APIResponse.json(Reply(received: true, outcome: "ignored"))
            }
            let outcome = try await dependencies.store.transaction { transaction in
                let outcome = try await ledger.record(
                    .init(
                        invoiceID: invoice, method: "webhook", reference: intent.id,
                        amount: intent.amount, currency: intent.currency), in: transaction)
                // A card the customer just paid with (and saved for later) becomes the one renewals charge.
                if let method = intent.paymentMethod, let customer = intent.customer {
                    try await CustomerStore.useCard(method, reference: customer, payerOf: invoice, in: transaction)
                }
                return outcome
            }
            return APIResponse.json(Reply(received: true, outcome: outcome.rawValue))
        }
    }
}
