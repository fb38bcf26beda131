import Foundation
import HTTPSupport
import Hummingbird
import Payments
import Persistence

/// `/api/customer/card`: the card renewals are charged to (brand and last four digits, never
/// more) and a page at the provider to replace it; the new card arrives by webhook
/// (`setup_intent.succeeded`, BillingWebhookController).
struct CustomerCardController: Sendable {
    let customers: CustomerAuthentication
    let paymentCustomers: PaymentCustomers

    struct Card: Encodable {
        let brand: String, last4: String, expiryMonth: Int, expiryYear: Int
        enum CodingKeys: String, CodingKey {
            case brand, last4
            case expiryMonth = "exp_month"
            case expiryYear = "exp_year"
        }
    }

    struct Saved: Encodable { let card: Card? }

    struct Page: Encodable {
        let setupPage: String?
        enum CodingKeys: String, CodingKey { case setupPage = "setup_page" }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.get("card") { request, _ in
            let customer = try await customers.customer(request)
            do {
                let card = try await paymentCustomers.card(of: customer)
                return APIResponse.json(
                    Saved(
                        card: card.map {
                            Card(
                                brand: $0.brand, last4: $0.last4, expiryMonth: $0.expiryMonth, expiryYear: $0.expiryYear
                            )
                        }))
            } catch let error as PaymentError {
                throw APIError.providerUnavailable(error)
            }
        }
        api.post("card/setup-page") { request, _ in
            let customer = try await customers.customer(request)
            let body = try await APIResponse.decode(CustomerBillingController.Return.self, from: request)
            let returnTo = CheckoutReturn(success: body.successURL, cancel: body.cancelURL)
            if let field = returnTo.invalidField { throw APIError.invalid(field, "\(field) is an http or https URL") }
            do {
                let reference = try await paymentCustomers.reference(for: customer)
                // Each request is a new page: saving a card moves no money, so a repeat is harmless.
                let page = try await paymentCustomers.gateway.createCardSetupPage(
                    customer: reference, returnTo: returnTo,
                    idempotencyKey: "card-setup-\(UUID().uuidString.lowercased())")
                return APIResponse.json(Page(setupPage: page.url))
            } catch let error as PaymentError {
                throw APIError.providerUnavailable(error)
            }
        }
    }
}
